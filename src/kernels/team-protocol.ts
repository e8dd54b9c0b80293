// The control block a kernel team shares with its threads: an Int32Array over a
// SharedArrayBuffer. The calling thread posts jobs into a ring of RING jobs per worker; a job is
// up to MAX_CALLS kernel calls, which the worker makes in order, each with its own arguments.
// To post one, the calling thread waits until every worker is done with the job that last used
// the ring's slot, writes each worker's calls (the kernel, then its arguments) and their number,
// then bumps SEQ (team-ring.ts). Each worker makes the jobs in the order posted and, after each,
// stores how many it has made in its progress slot. So the calling thread can post the next
// step's calls while the workers still make the last step's.

/** Jobs posted so far. */
export const SEQ = 0;
/** Set to 1 by a worker whose call threw. */
export const FAILED = 1;
/** Int32 slots in a cache line (64 bytes): slots written by different threads sit in different lines. */
const LINE = 16;
/** Jobs each worker's ring holds. */
export const RING = 4;
/**
 * Room for one call: the kernel (its index in the kernels module's export list), then its
 * arguments (the most any kernel takes; the slots past a kernel's own are passed and dropped).
 */
export const CALL_SLOTS = 1 + 16;
/** The most calls a job holds. */
export const MAX_CALLS = 8;
/** Room for one job (its call count, then its calls), in whole lines. */
export const JOB_SLOTS = Math.ceil((1 + MAX_CALLS * CALL_SLOTS) / LINE) * LINE;
/** Room for one worker: a line for its progress, then its ring. */
export const WORKER_SLOTS = LINE + RING * JOB_SLOTS;
/** A job's call count that ends the worker's loop. */
export const CLOSE = -1;

/** Worker `i`'s slots start at `workerSlot(i)` (i = 1, 2, …; the calling thread is 0). */
export function workerSlot(worker: number): number {
  return LINE + (worker - 1) * WORKER_SLOTS;
}

/** The slot where worker `worker` stores how many jobs it has made. */
export function progressSlot(worker: number): number {
  return workerSlot(worker);
}

/** Where job number `job`'s call count sits for worker `worker`; its calls follow. */
export function jobSlot(worker: number, job: number): number {
  return workerSlot(worker) + LINE + (job % RING) * JOB_SLOTS;
}

/** Where call `call` of job `job` starts for worker `worker`: its kernel, then its arguments. */
export function callSlot(worker: number, job: number, call: number): number {
  return jobSlot(worker, job) + 1 + call * CALL_SLOTS;
}

/** Int32 slots of a block for a team of `threads` threads (the calling one included). */
export function controlSlots(threads: number): number {
  return workerSlot(threads);
}

/** What a worker needs of the layout, sent to it when it starts. */
export const TEAM_SLOTS = { SEQ, FAILED, CLOSE, RING, CALL_SLOTS, JOB_SLOTS, LINE } as const;

export type TeamSlots = typeof TEAM_SLOTS;
