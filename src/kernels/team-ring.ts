import { FAILED, RING, SEQ, callSlot, jobSlot, progressSlot } from './team-protocol.js';

/**
 * The calling thread's side of a team's control block (team-protocol.ts): it writes each
 * worker's calls of the next job into that worker's ring, posts the job, and waits until the
 * workers have made the jobs it needs done. Jobs posted and jobs known made are counted here,
 * so a wait that the workers' progress already covers reads nothing.
 */
export class JobRing {
  private readonly ctrl: Int32Array;
  /** Jobs posted, and jobs every worker is known to have made. */
  private posted = 0;
  private made = 0;

  constructor(
    control: SharedArrayBuffer,
    private readonly workers: number,
  ) {
    this.ctrl = new Int32Array(control);
  }

  /**
   * Waits until the ring slot of the next job is free (every worker has made the job that was
   * in it), before its calls are written.
   */
  reserve(): void {
    const oldest = this.posted - RING + 1;
    if (this.made < oldest) this.made = this.progress(oldest);
  }

  /**
   * Writes which kernel worker `worker`'s call `call` of the next job runs; returns the slot of
   * its first argument, for the caller to write the arguments from.
   */
  callAt(worker: number, call: number, kernel: number): number {
    const at = callSlot(worker, this.posted, call);
    this.ctrl[at] = kernel;
    return at + 1;
  }

  /** Writes one argument slot (see {@link callAt}). */
  set(slot: number, value: number): void {
    this.ctrl[slot] = value;
  }

  /**
   * Posts the next job, of `calls` calls per worker ({@link reserve}d, its calls written), or
   * with `CLOSE` (team-protocol.ts) the end of the workers' loops.
   */
  post(calls: number): void {
    const ctrl = this.ctrl;
    for (let i = 1; i <= this.workers; i++) ctrl[jobSlot(i, this.posted)] = calls;
    this.posted++;
    Atomics.store(ctrl, SEQ, this.posted);
    Atomics.notify(ctrl, SEQ);
  }

  /** Spins until every worker has made every job posted. @throws Error when a call failed. */
  wait(): void {
    if (this.made < this.posted) this.made = this.progress(this.posted);
    if (Atomics.load(this.ctrl, FAILED) !== 0) {
      Atomics.store(this.ctrl, FAILED, 0);
      throw new Error('a worker thread failed on its share of a kernel');
    }
  }

  /** Spins until every worker has made `jobs` jobs; returns the fewest any has made (at most all posted). */
  private progress(jobs: number): number {
    let fewest = this.posted;
    for (let i = 1; i <= this.workers; i++) {
      const slot = progressSlot(i);
      let made = Atomics.load(this.ctrl, slot);
      while (made < jobs) made = Atomics.load(this.ctrl, slot);
      fewest = Math.min(fewest, made);
    }
    return fewest;
  }
}
