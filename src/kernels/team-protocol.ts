// The control block a kernel team shares with its threads: an Int32Array over a
// SharedArrayBuffer. For each job the calling thread writes which kernel to run and, for every
// worker, that worker's own arguments; it clears DONE and bumps SEQ. Each worker calls the
// kernel with its arguments, then adds one to DONE.

/** Job number, bumped once per job. */
export const SEQ = 0;
/** Workers that finished the current job. */
export const DONE = 1;
/** Set to 1 by a worker whose call threw. */
export const FAILED = 2;
/** The kernel to call: its index in the kernels module's export list, or {@link CLOSE}. */
export const KERNEL = 3;
/** How many arguments each worker passes. */
export const COUNT = 4;
/** Worker `i`'s arguments start at `ARGS + i * ARG_SLOTS` (i = 1, 2, …). */
export const ARGS = 8;
/** Room for each worker's arguments (the most any kernel takes). */
export const ARG_SLOTS = 16;
/** The KERNEL value that ends the workers' loops. */
export const CLOSE = -1;

/** Every slot above, sent to each worker when it starts. */
export const TEAM_SLOTS = { SEQ, DONE, FAILED, KERNEL, COUNT, ARGS, ARG_SLOTS, CLOSE } as const;

export type TeamSlots = typeof TEAM_SLOTS;

/** Int32 slots of a block for a team of `threads` threads (the calling one included). */
export function controlSlots(threads: number): number {
  return ARGS + threads * ARG_SLOTS;
}
