// The control block a kernel team shares with its threads: an Int32Array over a
// SharedArrayBuffer. The calling thread writes a job's arguments, clears DONE and bumps SEQ;
// each worker runs its share, then adds one to DONE.

/** Job number, bumped once per job. */
export const SEQ = 0;
/** Workers that finished the current job. */
export const DONE = 1;
/** Set to 1 by a worker whose share threw. */
export const FAILED = 2;
/** Which job: one of the operations below. */
export const OP = 3;
/** Number of shares (the calling thread's and every worker's). */
export const SHARES = 4;
/** The job's arguments, as the kernel takes them after its share and shares, scratch last. */
export const ARGS = 8;
/** Worker `i`'s own scratch address (i = 1, 2, …): replaces the scratch argument. */
export const SCRATCH = 32;
/** Int32 slots in the block: room for the scratch of 1,024 workers (a larger team is refused). */
export const CONTROL_SLOTS = SCRATCH + 1024;

export const OP_GEMM = 1;
export const OP_GEMM_PACKED_B = 2;
export const OP_CLOSE = 3;

/** Arguments of `gemmShare` after share and shares, and of `gemmPackedBShare`. */
export const GEMM_ARGS = 14;
export const GEMM_PACKED_B_ARGS = 12;

/** Every slot and code above, sent to each worker when it starts. */
export const TEAM_SLOTS = {
  SEQ,
  DONE,
  FAILED,
  OP,
  SHARES,
  ARGS,
  SCRATCH,
  OP_GEMM,
  OP_GEMM_PACKED_B,
  OP_CLOSE,
  GEMM_ARGS,
  GEMM_PACKED_B_ARGS,
} as const;

export type TeamSlots = typeof TEAM_SLOTS;
