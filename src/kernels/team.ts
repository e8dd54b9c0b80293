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
import { CLOSE, MAX_CALLS, TEAM_SLOTS, controlSlots, workerSlot } from './team-protocol.js';
import { JobRing } from './team-ring.js';
import { startThread, type TeamThread } from './team-threads.js';
import type { TeamInit } from './team-worker.js';

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

/** The open batch of {@link KernelTeam.byRows}. */
interface Batch {
  /** Rows of the batch. */
  readonly rows: number;
  /** The first row of each thread's share, then `rows`. */
  readonly bounds: readonly number[];
  /** The calling thread's own calls of the job not yet posted, in order. */
  own: { run: (...args: number[]) => void; args: number[] }[];
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
  private readonly ring: JobRing;
  private closed = false;
  private batch: Batch | null = null;
  private rowCalls = 0;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly threads: readonly TeamThread[],
    control: SharedArrayBuffer,
  ) {
    this.ring = new JobRing(control, threads.length);
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
    this.ring.post(own.length);
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
    this.ring.wait();
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

  /**
   * Adds the call to the open batch, if there is one and the call covers its rows row by row;
   * `args` then becomes the calling thread's own call (its count cut to its rows).
   */
  private batched(k: WasmExports, name: BatchRowKernel, args: number[]): boolean {
    const batch = this.batch;
    if (batch === null) return false;
    const split = BATCH_ROW_KERNELS[name];
    const unit = split.perRow(args, batch.rows);
    if (unit === 0) return false;
    // Each worker's scratch first: taking more of it may wait for the jobs posted.
    const panels = split.panel >= 0 ? this.workerScratch(k.panelScratch()) : null;
    if (batch.own.length === MAX_CALLS) this.postRows();
    const call = batch.own.length;
    if (call === 0) this.ring.reserve();
    const { bounds } = batch;
    const kernel = kernelIndex(name);
    const ring = this.ring;
    for (let i = 1; i < this.size; i++) {
      const at = ring.callAt(i, call, kernel);
      const from = bounds[i] * unit;
      for (let j = 0; j < args.length; j++)
        ring.set(at + j, args[j] + 4 * split.stride(args, j) * from);
      ring.set(at + split.count, bounds[i + 1] * unit - from);
      if (panels !== null) ring.set(at + split.panel, panels[i]);
    }
    args[split.count] = bounds[1] * unit;
    batch.own.push({ run: k[name] as (...a: number[]) => void, args });
    this.rowCalls++;
    return true;
  }

  /** `floats` floats of scratch for each worker (index 1, 2, …): its own slot's. */
  private workerScratch(floats: number): number[] {
    const at: number[] = [0];
    for (let i = 1; i < this.size; i++) at.push(this.memory.scratch(floats, i));
    return at;
  }

  /** `gemm` with the same arguments, shared among the threads when it is large enough. */
  gemm(k: WasmExports, ...args: Parameters<WasmExports['gemm']>): void {
    this.settle();
    const [transA, transB, M, N, K] = args;
    if (this.closed || M * N * K < MIN_SHARED_PRODUCT) {
      k.gemm(...args);
      return;
    }
    this.dealShares(kernelIndex('gemmShare'), args, k.gemmScratch(transA, transB, M, N, K));
    k.gemmShare(0, this.size, ...args);
    this.ring.wait();
  }

  /** `gemmPackedB` with the same arguments, shared among the threads when large enough. */
  gemmPackedB(k: WasmExports, ...args: Parameters<WasmExports['gemmPackedB']>): void {
    if (this.batch !== null && this.batched(k, 'gemmPackedB', args.map(Number))) return;
    this.settle();
    const [, M, N, K] = args;
    if (this.closed || M * N * K < MIN_SHARED_PRODUCT) {
      k.gemmPackedB(...args);
      return;
    }
    // Each thread packs its panels of op(A) into scratch of its own (B already is packed).
    this.dealShares(kernelIndex('gemmPackedBShare'), args, k.panelScratch());
    k.gemmPackedBShare(0, this.size, ...args);
    this.ring.wait();
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
    const last = args.length - 1; // the scratch, replaced
    const scratch = floats > 0 ? this.workerScratch(floats) : null;
    const ring = this.ring;
    ring.reserve();
    for (let i = 1; i < this.size; i++) {
      const at = ring.callAt(i, 0, kernel);
      ring.set(at, i);
      ring.set(at + 1, this.size);
      for (let j = 0; j < last; j++) ring.set(at + 2 + j, Number(args[j]));
      ring.set(at + 2 + last, scratch === null ? 0 : scratch[i]);
    }
    ring.post(1);
  }

  /** Stops the workers: their loops end, then the threads stop. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.settle();
    } finally {
      this.closed = true;
      this.ring.reserve();
      this.ring.post(CLOSE);
      await Promise.all(this.threads.map((t) => t.stop()));
    }
  }
}
