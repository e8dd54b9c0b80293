import {
  BATCH_ROW_KERNELS,
  ROW_KERNELS,
  type BatchRowKernel,
  type BatchVectorKernel,
  type RowKernel,
} from './row-kernels.js';
import { EXPORT_NAMES } from './wasm-exports.js';
import type { WasmExports, WasmInstance } from './wasm.js';
import type { WasmMemory } from './wasm-memory.js';
import {
  CLOSE,
  FAILED,
  MAX_CALLS,
  RING,
  SEQ,
  TEAM_SLOTS,
  callSlot,
  controlSlots,
  jobSlot,
  progressSlot,
  workerSlot,
} from './team-protocol.js';
import { teamWorkerSource, type TeamInit } from './team-worker.js';

/**
 * Products smaller than this many multiply-adds run on the calling thread alone: below it,
 * waking the workers and waiting for them costs more than their share saves.
 */
export const MIN_SHARED_PRODUCT = 1 << 17;

/** Row kernels over fewer elements than this run on the calling thread alone. */
export const MIN_SHARED_ROWS = 1 << 13;

/**
 * Loops whose step multiplies by more weights than this (floats: 512 KiB) are not dealt out by
 * batch rows ({@link KernelTeam.byRows}): every thread would read all of them each step, where
 * products cut by columns have each thread read its part (on the W2 sizes of the bench, 1.2 to
 * 4.7 MB, training went slower by rows).
 */
export const MAX_ROW_SPLIT_WEIGHTS = 1 << 17;

let live = 0;

/** Team threads started and not yet stopped, in every team (to check that none is leaked). */
export function liveTeamThreads(): number {
  return live;
}

/** The open batch of {@link KernelTeam.byRows}. */
interface Batch {
  /** Rows of the batch. */
  readonly rows: number;
  /** The first row of each thread's share, then `rows`. */
  readonly bounds: readonly number[];
  /** The calling thread's own calls of the job not yet posted, in order. */
  own: { run: (...args: number[]) => void; args: number[] }[];
}

/** A started worker thread. */
interface TeamThread {
  /** Resolves once the thread has stopped, after its loop was told to end. */
  stop(): Promise<void>;
}

const kernelIndex = (name: keyof WasmExports): number => EXPORT_NAMES.indexOf(name);

/**
 * Worker threads that share a model's WebAssembly memory and take shares of its kernels: the
 * calling thread posts jobs (which kernels to run and each worker's arguments) into a shared
 * control block (team-protocol.ts), runs its own share and, when it needs their results, waits
 * for the workers'. Nothing is copied: the operands, the results and every thread's scratch are
 * ranges of the one memory.
 *
 * - Products are cut into whole tiles on the path the whole product takes
 *   (assembly/share.ts), so the shares give the one-thread result bit for bit.
 * - Gate steps are dealt out by rows (row-kernels.ts): each row is computed as on one thread.
 * - The steps of a recurrent loop are dealt out by batch rows ({@link byRows}): each thread
 *   makes every call of a step on its own rows, and goes on to the next step without waiting
 *   for the others.
 *
 * The calling thread waits by spinning, which pages allow on their main thread.
 */
export class KernelTeam {
  private readonly ctrl: Int32Array;
  private closed = false;
  private batch: Batch | null = null;
  /** Jobs posted, and jobs the workers are known to have all made. */
  private posted = 0;
  private made = 0;
  private rowCalls = 0;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly threads: readonly TeamThread[],
    control: SharedArrayBuffer,
  ) {
    this.ctrl = new Int32Array(control);
  }

  /**
   * Starts `workers` threads on `shared`, the instance `memory` works in or is to move to
   * ({@link WasmMemory.moveTo}) before the team's first job.
   * @throws Error where worker threads cannot start (no Worker).
   */
  static async start(
    memory: WasmMemory,
    shared: WasmInstance,
    workers: number,
  ): Promise<KernelTeam> {
    if (!shared.shared) throw new Error('a kernel team needs a shared WebAssembly memory');
    const control = new SharedArrayBuffer(controlSlots(workers + 1) * 4);
    const threads: TeamThread[] = [];
    const team = (): KernelTeam => new KernelTeam(memory, threads, control);
    try {
      for (let index = 1; index <= workers; index++) {
        const init: TeamInit = {
          module: shared.module,
          memory: shared.memory,
          control,
          base: workerSlot(index),
          kernels: EXPORT_NAMES,
          slots: TEAM_SLOTS,
        };
        threads.push(await startThread(init));
      }
    } catch (e) {
      await team().close();
      throw e;
    }
    return team();
  }

  /** Threads taking shares, the calling one included. */
  get size(): number {
    return this.threads.length + 1;
  }

  /** Calls dealt out by batch rows ({@link byRows}) so far, for tests and profiles. */
  get batchedCalls(): number {
    return this.rowCalls;
  }

  /**
   * Runs `f`, a loop whose kernel calls (through the memory's exports) each work on the `rows`
   * rows of a batch row by row, with every thread taking the same rows in every call. The calls
   * of each step go to the threads as one job when `f` calls {@link postRows} (or when a job is
   * full): the calling thread then makes its own and goes on to the next step while the workers
   * make theirs, as no call reads another thread's rows. Before any other call, and when `f`
   * returns, the team waits until every thread is done (see {@link settle}); `f` calls
   * `settle` itself before it reads or writes memory other than through kernels.
   *
   * A step of fewer than {@link MIN_SHARED_PRODUCT} multiply-adds (`work`) or by more than
   * {@link MAX_ROW_SPLIT_WEIGHTS} weights (`work / rows`), a batch of fewer than four rows a
   * thread, or a call inside another `byRows`, runs its calls as they come.
   * The threads' rows start at multiples of four (the row panels of a product), so every
   * element is computed as on one thread, bit for bit.
   */
  byRows(rows: number, work: number, f: () => void): void {
    const size = this.size;
    const weights = work / rows;
    if (
      this.closed ||
      this.batch !== null ||
      work < MIN_SHARED_PRODUCT ||
      weights > MAX_ROW_SPLIT_WEIGHTS ||
      rows < 4 * size
    ) {
      f();
      return;
    }
    this.inBatch(rows, f);
  }

  /**
   * Runs `f` with a batch of `rows` rows open, each thread's share starting at a multiple of
   * four rows; then makes its calls, waits for them and closes it.
   */
  private inBatch(rows: number, f: () => void): void {
    const size = this.size;
    const panels = Math.floor(rows / 4);
    const bounds: number[] = [];
    for (let i = 0; i < size; i++) bounds.push(Math.floor((panels * i) / size) * 4);
    bounds.push(rows);
    this.batch = { rows, bounds, own: [] };
    try {
      f();
    } finally {
      try {
        this.settle();
      } finally {
        this.batch = null;
      }
    }
  }

  /**
   * Posts the calls of the open batch made since the last post as one job, and makes the calling
   * thread's own; does not wait for the workers'. Without such calls, nothing.
   */
  postRows(): void {
    const batch = this.batch;
    if (batch === null || batch.own.length === 0) return;
    const own = batch.own;
    batch.own = [];
    this.post(own.length);
    for (const call of own) call.run(...call.args);
  }

  /**
   * Posts the open batch's calls not yet posted ({@link postRows}) and waits until every
   * thread has made every job posted: the calls that follow, and the caller's reads, then see
   * their results.
   * @throws Error when a worker's call failed.
   */
  settle(): void {
    this.postRows();
    this.wait();
  }

  /**
   * Kernel `name` with `args` (flags as 0 and 1): added to the open batch where the call covers
   * its rows row by row, otherwise made now, once the batch's calls so far are made.
   */
  batchRows(k: WasmExports, name: BatchVectorKernel, args: number[]): void {
    if (this.batched(k, name, args)) return;
    this.settle();
    (k[name] as (...a: number[]) => void)(...args);
  }

  /** Adds the call to the open batch, if there is one and the call covers its rows row by row. */
  private batched(k: WasmExports, name: BatchRowKernel, args: readonly number[]): boolean {
    const batch = this.batch;
    if (batch === null) return false;
    const split = BATCH_ROW_KERNELS[name];
    const unit = split.perRow(args, batch.rows);
    if (unit === 0) return false;
    const size = this.size;
    // Each worker's scratch first: taking more of it may wait for the jobs posted.
    const panels: number[] = [];
    if (split.panel >= 0)
      for (let i = 1; i < size; i++) panels[i] = this.memory.scratch(k.panelScratch(), i);
    if (batch.own.length === MAX_CALLS) this.postRows();
    const call = batch.own.length;
    if (call === 0) this.reserve();
    const { bounds } = batch;
    const kernel = kernelIndex(name);
    const ctrl = this.ctrl;
    for (let i = 1; i < size; i++) {
      const at = this.callAt(i, call, kernel);
      const from = bounds[i] * unit;
      for (let j = 0; j < args.length; j++)
        ctrl[at + j] = args[j] + 4 * split.stride(args, j) * from;
      ctrl[at + split.count] = bounds[i + 1] * unit - from;
      if (split.panel >= 0) ctrl[at + split.panel] = panels[i];
    }
    const own = args.slice();
    own[split.count] = bounds[1] * unit;
    batch.own.push({ run: k[name] as (...a: number[]) => void, args: own });
    this.rowCalls++;
    return true;
  }

  /** `gemm` with the same arguments, shared among the threads when it is large enough. */
  gemm(k: WasmExports, ...args: Parameters<WasmExports['gemm']>): void {
    this.settle();
    const [transA, transB, M, N, K] = args;
    if (this.closed || M * N * K < MIN_SHARED_PRODUCT) {
      k.gemm(...args);
      return;
    }
    const scratch = k.gemmScratch(transA, transB, M, N, K);
    this.dealShares(kernelIndex('gemmShare'), args, scratch);
    k.gemmShare(0, this.size, ...args);
    this.wait();
  }

  /** `gemmPackedB` with the same arguments, shared among the threads when large enough. */
  gemmPackedB(k: WasmExports, ...args: Parameters<WasmExports['gemmPackedB']>): void {
    if (this.batched(k, 'gemmPackedB', args.map(Number))) return;
    this.settle();
    const [, M, N, K] = args;
    if (this.closed || M * N * K < MIN_SHARED_PRODUCT) {
      k.gemmPackedB(...args);
      return;
    }
    // Each thread packs its panels of op(A) into scratch of its own (B already is packed).
    this.dealShares(kernelIndex('gemmPackedBShare'), args, k.panelScratch());
    k.gemmPackedBShare(0, this.size, ...args);
    this.wait();
  }

  /**
   * A row kernel with the arguments `args` (flags as 0 and 1): added to the open batch where it
   * covers its rows, else made now, its rows (elements, for an elementwise kernel) dealt out
   * when there are enough.
   */
  rows<K extends RowKernel>(k: WasmExports, name: K, args: number[]): void {
    if (this.batched(k, name, args)) return;
    this.settle();
    const count = args[0];
    if (
      this.closed ||
      count * ROW_KERNELS[name].width(args) < MIN_SHARED_ROWS ||
      count < 4 * this.size
    ) {
      (k[name] as (...a: number[]) => void)(...args);
      return;
    }
    this.inBatch(count, () => this.batched(k, name, args));
  }

  /**
   * Posts a job of one share kernel call, `(share, shares, …args, scratch)` with each worker's
   * own share and `floats` floats of its own scratch.
   */
  private dealShares(kernel: number, args: readonly (number | boolean)[], floats: number): void {
    const ctrl = this.ctrl;
    const last = args.length - 1; // the scratch, replaced
    const scratch: number[] = [];
    for (let i = 1; i < this.size; i++)
      scratch[i] = floats > 0 ? this.memory.scratch(floats, i) : 0;
    this.reserve();
    for (let i = 1; i < this.size; i++) {
      const at = this.callAt(i, 0, kernel);
      ctrl[at] = i;
      ctrl[at + 1] = this.size;
      for (let j = 0; j < last; j++) ctrl[at + 2 + j] = Number(args[j]);
      ctrl[at + 2 + last] = scratch[i];
    }
    this.post(1);
  }

  /** Waits until the ring slot of the next job is free: every worker has made the job before in it. */
  private reserve(): void {
    const oldest = this.posted - RING + 1;
    if (this.made >= oldest) return;
    this.made = this.progress(oldest);
  }

  /**
   * Writes which kernel worker `worker`'s call `call` of the next job runs; returns the slot of
   * its first argument.
   */
  private callAt(worker: number, call: number, kernel: number): number {
    const at = callSlot(worker, this.posted, call);
    this.ctrl[at] = kernel;
    return at + 1;
  }

  /** Posts the next job, of `calls` calls per worker (its slot reserved, its calls written). */
  private post(calls: number): void {
    const ctrl = this.ctrl;
    for (let i = 1; i < this.size; i++) ctrl[jobSlot(i, this.posted)] = calls;
    this.posted++;
    Atomics.store(ctrl, SEQ, this.posted);
    Atomics.notify(ctrl, SEQ);
  }

  /** Spins until every worker has made `jobs` jobs; returns the fewest any has made. */
  private progress(jobs: number): number {
    let fewest = jobs;
    for (let i = 1; i < this.size; i++) {
      const slot = progressSlot(i);
      let made = Atomics.load(this.ctrl, slot);
      while (made < jobs) made = Atomics.load(this.ctrl, slot);
      fewest = Math.min(fewest, made);
    }
    return fewest;
  }

  /** Spins until every worker has made every job posted. @throws Error when a call failed. */
  private wait(): void {
    if (this.made < this.posted) this.made = this.progress(this.posted);
    if (Atomics.load(this.ctrl, FAILED) !== 0) {
      Atomics.store(this.ctrl, FAILED, 0);
      throw new Error('a worker thread failed on its share of a kernel');
    }
  }

  /** Stops the workers: their loops end, then the threads stop. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.settle();
    } finally {
      this.closed = true;
      this.reserve();
      for (let i = 1; i < this.size; i++) this.ctrl[jobSlot(i, this.posted)] = CLOSE;
      this.posted++;
      Atomics.store(this.ctrl, SEQ, this.posted);
      Atomics.notify(this.ctrl, SEQ);
      await Promise.all(this.threads.map((t) => t.stop()));
    }
  }
}

/** Starts one worker thread (Node's worker_threads, else a page's Worker) and waits until it is ready. */
async function startThread(init: TeamInit): Promise<TeamThread> {
  const scope = globalThis as { process?: { versions?: { node?: string } } };
  if (scope.process?.versions?.node !== undefined) return startNodeThread(init);
  if (typeof Worker !== 'function')
    throw new Error('threads need Worker, which this runtime lacks');
  const url = URL.createObjectURL(
    new Blob([teamWorkerSource('page')], { type: 'text/javascript' }),
  );
  try {
    const worker = new Worker(url);
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (e) => reject(new Error(`a worker thread failed to start: ${e.message}`));
      worker.postMessage(init);
    });
    // Its loop has ended when it is stopped, so terminating it interrupts nothing.
    return { stop: () => Promise.resolve(worker.terminate()) };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * A Node worker thread. It is stopped by letting its loop end, so its script returns and the
 * thread exits on its own (terminating a thread in the middle of its script can abort the
 * process on Node 20); one that has not exited after 5 s is terminated.
 */
async function startNodeThread(init: TeamInit): Promise<TeamThread> {
  // The specifier is a variable, hidden from bundlers: a page's bundle never resolves it.
  const specifier = 'node:worker_threads';
  const threads = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ specifier
  )) as typeof import('node:worker_threads');
  const worker = new threads.Worker(teamWorkerSource('node'), { eval: true });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`a worker thread exited (${code}) while starting`)),
    );
    worker.postMessage(init);
  });
  worker.removeAllListeners();
  live++;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      live--;
      resolve();
    }),
  );
  worker.unref();
  return {
    stop: async () => {
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
