import type { WasmExports } from './wasm.js';
import type { WasmMemory } from './wasm-memory.js';
import {
  ARGS,
  CONTROL_SLOTS,
  DONE,
  FAILED,
  OP,
  OP_CLOSE,
  OP_GEMM,
  OP_GEMM_PACKED_B,
  SCRATCH,
  SEQ,
  SHARES,
  TEAM_SLOTS,
} from './team-protocol.js';
import { NODE_TEAM_WORKER, PAGE_TEAM_WORKER, type TeamInit } from './team-worker.js';

/**
 * Products smaller than this many multiply-adds run on the calling thread alone: below it,
 * waking the workers and waiting for them costs more than their share saves.
 */
export const MIN_SHARED_PRODUCT = 1 << 17;

/** Most threads a team has, the calling one included (the control block's scratch slots). */
export const MAX_TEAM_THREADS = CONTROL_SLOTS - SCRATCH;

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

/**
 * Worker threads that share a model's WebAssembly memory and take shares of its large
 * products: the calling thread writes a product's arguments into a shared control block, wakes
 * the workers, runs its own share and waits for theirs. Nothing is copied: the operands, the
 * result and every thread's scratch are ranges of the one memory, and the shares together give
 * the one-thread result bit for bit (assembly/share.ts). The calling thread waits by spinning,
 * which pages allow on their main thread.
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
   * Starts `workers` threads on `memory`, which must be shared.
   * @throws Error where worker threads cannot start (no Worker, no shared memory).
   */
  static async start(memory: WasmMemory, workers: number): Promise<KernelTeam> {
    if (!memory.shared) throw new Error('a kernel team needs a shared WebAssembly memory');
    if (workers + 1 > MAX_TEAM_THREADS)
      throw new RangeError(`${workers + 1} threads, expected at most ${MAX_TEAM_THREADS}`);
    const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    const threads: TeamThread[] = [];
    try {
      for (let i = 1; i <= workers; i++) {
        const init: TeamInit = {
          module: memory.module,
          memory: memory.instance.memory,
          control,
          index: i,
          slots: TEAM_SLOTS,
        };
        threads.push(await startThread(init));
      }
    } catch (e) {
      const team = new KernelTeam(memory, threads, control);
      await team.close();
      throw e;
    }
    return new KernelTeam(memory, threads, control);
  }

  /** Threads taking shares, the calling one included. */
  get size(): number {
    return this.threads.length + 1;
  }

  /** `gemm` with the same arguments, shared among the threads when it is large enough. */
  gemm(k: WasmExports, ...args: Parameters<WasmExports['gemm']>): void {
    const [, , M, N, K] = args;
    if (this.closed || M * N * K < MIN_SHARED_PRODUCT) {
      k.gemm(...args);
      return;
    }
    const scratch = k.gemmScratch(M, N, K);
    this.post(OP_GEMM, args, scratch);
    k.gemmShare(0, this.size, ...args);
    this.wait();
  }

  /** `gemmPackedB` with the same arguments, shared among the threads when large enough. */
  gemmPackedB(k: WasmExports, ...args: Parameters<WasmExports['gemmPackedB']>): void {
    const [transA, M, N, K] = args;
    if (this.closed || M * N * K < MIN_SHARED_PRODUCT) {
      k.gemmPackedB(...args);
      return;
    }
    // Only a transposed A is packed, into [ceil(M/4)·4, K].
    const scratch = transA ? (((M + 3) >> 2) << 2) * K : 0;
    this.post(OP_GEMM_PACKED_B, args, scratch);
    k.gemmPackedBShare(0, this.size, ...args);
    this.wait();
  }

  /** Writes a job (its arguments without the scratch, then each worker's scratch) and wakes the workers. */
  private post(op: number, args: readonly (number | boolean)[], scratchFloats: number): void {
    const ctrl = this.ctrl;
    for (let i = 0; i < args.length - 1; i++) ctrl[ARGS + i] = Number(args[i]);
    for (let i = 1; i < this.size; i++)
      ctrl[SCRATCH + i] = scratchFloats > 0 ? this.memory.scratch(scratchFloats, i) : 0;
    ctrl[OP] = op;
    ctrl[SHARES] = this.size;
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
      throw new Error('a worker thread failed on its share of a product');
  }

  /** Stops the workers: their loops end, then the threads stop. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ctrl[OP] = OP_CLOSE;
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
  const url = URL.createObjectURL(new Blob([PAGE_TEAM_WORKER], { type: 'text/javascript' }));
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
  const worker = new threads.Worker(NODE_TEAM_WORKER, { eval: true });
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
