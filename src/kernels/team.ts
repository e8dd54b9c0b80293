import { ROW_KERNELS, type RowKernel } from './row-kernels.js';
import { EXPORT_NAMES } from './wasm-exports.js';
import type { WasmExports, WasmInstance } from './wasm.js';
import type { WasmMemory } from './wasm-memory.js';
import {
  ARGS,
  ARG_SLOTS,
  CLOSE,
  COUNT,
  DONE,
  FAILED,
  KERNEL,
  SEQ,
  TEAM_SLOTS,
  controlSlots,
} from './team-protocol.js';
import { teamWorkerSource, type TeamInit } from './team-worker.js';

/**
 * Products smaller than this many multiply-adds run on the calling thread alone: below it,
 * waking the workers and waiting for them costs more than their share saves.
 */
export const MIN_SHARED_PRODUCT = 1 << 17;

/** Row kernels over fewer elements than this run on the calling thread alone. */
export const MIN_SHARED_ROWS = 1 << 13;

let live = 0;

/** Team threads started and not yet stopped, in every team (to check that none is leaked). */
export function liveTeamThreads(): number {
  return live;
}

/** A started worker thread. */
interface TeamThread {
  /** Resolves once the thread has stopped, after its loop was told to end. */
  stop(): Promise<void>;
}

const kernelIndex = (name: keyof WasmExports): number => EXPORT_NAMES.indexOf(name);

/**
 * Worker threads that share a model's WebAssembly memory and take shares of its kernels: the
 * calling thread writes which kernel to run and each worker's arguments into a shared control
 * block, wakes the workers, runs its own share and waits for theirs. Nothing is copied: the
 * operands, the results and every thread's scratch are ranges of the one memory.
 *
 * - Products are cut into whole tiles on the path the whole product takes
 *   (assembly/share.ts), so the shares give the one-thread result bit for bit.
 * - Gate steps are dealt out by rows (row-kernels.ts): each row is computed as on one thread.
 *
 * The calling thread waits by spinning, which pages allow on their main thread.
 */
export class KernelTeam {
  private readonly ctrl: Int32Array;
  private closed = false;

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
          index,
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

  /** `gemm` with the same arguments, shared among the threads when it is large enough. */
  gemm(k: WasmExports, ...args: Parameters<WasmExports['gemm']>): void {
    const [transA, transB, M, N, K] = args;
    if (this.closed || M * N * K < MIN_SHARED_PRODUCT) {
      k.gemm(...args);
      return;
    }
    this.dealShares(kernelIndex('gemmShare'), args, k.gemmScratch(transA, transB, M, N, K));
    k.gemmShare(0, this.size, ...args);
    this.wait();
  }

  /** `gemmPackedB` with the same arguments, shared among the threads when large enough. */
  gemmPackedB(k: WasmExports, ...args: Parameters<WasmExports['gemmPackedB']>): void {
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
   * A row kernel with the arguments `args` (flags as 0 and 1), its rows dealt out when there are
   * enough. The calling thread takes the first rows: only its count changes, in `args` itself.
   */
  rows<K extends RowKernel>(k: WasmExports, name: K, args: number[]): void {
    const split = ROW_KERNELS[name];
    const run = k[name] as (...a: number[]) => void;
    const size = this.size;
    const units = Math.floor(args[0] / split.unit);
    if (this.closed || args[0] * split.width(args) < MIN_SHARED_ROWS || units < size) {
      run(...args);
      return;
    }
    /** The first row of share i. */
    const first = (i: number): number =>
      i === size ? args[0] : Math.floor((units * i) / size) * split.unit;
    const ctrl = this.ctrl;
    for (let i = 1; i < size; i++) {
      const from = first(i);
      const at = ARGS + i * ARG_SLOTS;
      ctrl[at] = first(i + 1) - from;
      for (let j = 1; j < args.length; j++)
        ctrl[at + j] = args[j] + 4 * split.stride(args, j) * from;
    }
    this.post(kernelIndex(name), args.length);
    args[0] = first(1);
    run(...args);
    this.wait();
  }

  /**
   * Writes each worker's arguments for a share kernel, `(share, shares, …args, scratch)` with
   * its own share and `floats` floats of its own scratch, and wakes the workers.
   */
  private dealShares(kernel: number, args: readonly (number | boolean)[], floats: number): void {
    const ctrl = this.ctrl;
    const last = args.length - 1; // the scratch, replaced
    for (let i = 1; i < this.size; i++) {
      const at = ARGS + i * ARG_SLOTS;
      ctrl[at] = i;
      ctrl[at + 1] = this.size;
      for (let j = 0; j < last; j++) ctrl[at + 2 + j] = Number(args[j]);
      ctrl[at + 2 + last] = floats > 0 ? this.memory.scratch(floats, i) : 0;
    }
    this.post(kernel, args.length + 2);
  }

  /** Starts job `kernel` with `count` arguments per worker. */
  private post(kernel: number, count: number): void {
    const ctrl = this.ctrl;
    ctrl[KERNEL] = kernel;
    ctrl[COUNT] = count;
    ctrl[FAILED] = 0;
    Atomics.store(ctrl, DONE, 0);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
  }

  /** Spins until every worker is done with the job. @throws Error when a share failed. */
  private wait(): void {
    const workers = this.threads.length;
    while (Atomics.load(this.ctrl, DONE) < workers);
    if (Atomics.load(this.ctrl, FAILED) !== 0)
      throw new Error('a worker thread failed on its share of a kernel');
  }

  /** Stops the workers: their loops end, then the threads stop. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ctrl[KERNEL] = CLOSE;
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    await Promise.all(this.threads.map((t) => t.stop()));
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
