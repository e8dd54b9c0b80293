import type { Kernels } from '../kernels/kernels.js';
import { KernelTeam } from '../kernels/team.js';
import { WasmMemory } from '../kernels/wasm-memory.js';
import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { InitialStateInputs } from '../recurrent/initial-state.js';
import { describe } from '../tensor/errors.js';
import { maxThreads } from './caps.js';
import type { ModelJSON } from './json.js';
import type { PendingForward, Split } from './pending.js';
import type { BackwardResult, CheckedBackwardOptions, ForwardResult } from './types.js';

/** The passes a model runs on its own thread, over one chunk of a batch. */
export interface LocalPasses {
  forward(x: Tensor, lengths: Int32Array | null, states: InitialStateInputs): ForwardResult;
  backward(gradOutput: Tensor, options: CheckedBackwardOptions): BackwardResult;
}

/**
 * Runs a model's passes over a batch split into chunks: the calling thread runs the first
 * chunk through `local`, worker threads the others; results are joined in batch order.
 */
export interface BatchSplit {
  /** Number of worker threads (besides the calling one). */
  readonly workers: number;
  /** A split forward pass with the current `weights`; returns the result and the chunk bounds. */
  forward(
    local: LocalPasses,
    weights: FloatArray,
    x: Tensor,
    lengths: Int32Array | null,
    states: InitialStateInputs,
  ): { result: ForwardResult; bounds: number[] };
  /** The backward pass of the last split forward; adds the workers' gradients into `grads`. */
  backward(
    local: LocalPasses,
    grads: FloatArray,
    bounds: number[],
    gradOutput: Tensor,
    options: CheckedBackwardOptions,
  ): BackwardResult;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

/** Starts `workers` worker threads, each holding a replica of the model in `snapshot`. */
export type BatchSplitStarter = (workers: number, snapshot: ModelJSON) => Promise<BatchSplit>;

let starter: BatchSplitStarter | null = null;

/** Sets how {@link startBatchSplit} starts threads (the package entry provides worker threads). */
export function provideBatchSplit(start: BatchSplitStarter): void {
  starter = start;
}

/**
 * Starts a batch split through the provided starter.
 * @throws Error when no starter was provided (the model was loaded without the package entry).
 */
export function startBatchSplit(workers: number, snapshot: ModelJSON): Promise<BatchSplit> {
  if (starter === null) {
    throw new Error('threads are not available: load Model from the package entry (rnnkit)');
  }
  return starter(workers, snapshot);
}

/** A model's running worker threads. */
interface RunningThreads {
  /** Number of worker threads (besides the calling one). */
  readonly workers: number;
  /** The split the passes run through (replicas), or null when the threads share the kernels. */
  readonly split: BatchSplit | null;
  /** Stops the threads. */
  close(): Promise<void>;
}

/** Starts `workers` threads for a model whose state `snapshot` holds. */
type ThreadStarter = (workers: number, snapshot: ModelJSON) => Promise<RunningThreads>;

/** Replicas of the model in worker threads, each running a chunk of every batch. */
async function startReplicas(workers: number, snapshot: ModelJSON): Promise<RunningThreads> {
  const split = await startBatchSplit(workers, snapshot);
  return { workers, split, close: () => split.close() };
}

/**
 * A team of worker threads on the model's own memory, made shared: the passes run on the
 * calling thread and the team takes shares of their kernels. Nothing is copied per call. The
 * workers start on a new shared memory, and the model moves there only once they all have, so
 * a failure leaves it as it was.
 */
async function startTeam(memory: WasmMemory, workers: number): Promise<RunningThreads> {
  const shared = memory.shared ? memory.instance : WasmMemory.sharedInstance();
  const team = await KernelTeam.start(memory, shared, workers);
  if (memory.disposed) {
    await team.close();
    throw new Error('the model was disposed while its threads started');
  }
  if (!memory.shared) memory.moveTo(shared);
  memory.useTeam(team);
  return {
    workers,
    split: null,
    close: async () => {
      memory.useTeam(null);
      await team.close();
    },
  };
}

/** Stops the threads of a model that was dropped without `useThreads(1)` or `dispose()`. */
const orphans = /* @__PURE__ */ new FinalizationRegistry<RunningThreads>(
  (threads) => void threads.close(),
);

/** Batches smaller than this run on one thread even when more are set. */
export const MIN_SPLIT_BATCH = 8;

/**
 * A model's current batch split and the changes to it, applied one after another in call
 * order: an un-awaited `useThreads(2)` followed by `useThreads(1)` ends with one thread, and two
 * concurrent calls never leave a pool running unseen.
 */
export class ThreadSwitch {
  private running: RunningThreads | null = null;
  private changes: Promise<void> = Promise.resolve();
  private paused = 0;

  /** How the model's threads start: a team on its wasm memory, else replicas. */
  private readonly start: ThreadStarter;

  /**
   * @param owner the model, so {@link onOneThread} can find its switch.
   * @param kernels the model's kernels, which decide what its threads are.
   * @param local the passes on the calling thread.
   * @param params the model's weights and gradients (read at each call: they are live views).
   * @param pending the model's last forward, which a change of threads may spend.
   */
  constructor(
    private readonly owner: object,
    kernels: Kernels,
    private readonly local: LocalPasses,
    private readonly params: { readonly values: FloatArray; readonly grads: FloatArray },
    private readonly pending: PendingForward,
  ) {
    switches.set(owner, this);
    const wasm = kernels.wasm;
    this.start = wasm === null ? startReplicas : (workers) => startTeam(wasm, workers);
  }

  /** Threads the passes use, the calling one included. */
  get count(): number {
    return this.running === null ? 1 : this.running.workers + 1;
  }

  /** Adds `delta` (1 or -1) to the pause count; while it is above 0, {@link current} is null. */
  pause(delta: number): void {
    this.paused += delta;
  }

  /** The split passes run through, or null on one thread (also while paused). */
  get current(): BatchSplit | null {
    return this.paused > 0 ? null : (this.running?.split ?? null);
  }

  /**
   * A forward pass on the threads when there are some and the batch is `splittable` and at
   * least {@link MIN_SPLIT_BATCH} sequences, else on `local`; `split` says how the batch was
   * divided (null on one thread), with the output's shape from `outputShape`.
   */
  forward(
    x: Tensor,
    lengths: Int32Array | null,
    states: InitialStateInputs,
    splittable: boolean,
    outputShape: () => number[],
  ): { result: ForwardResult; split: Split | null } {
    const threads = this.current;
    const local = this.local;
    if (threads === null || x.shape[0] < MIN_SPLIT_BATCH || !splittable)
      return { result: local.forward(x, lengths, states), split: null };
    const { result, bounds } = threads.forward(local, this.params.values, x, lengths, states);
    return { result, split: { bounds, outputShape: outputShape(), B: x.shape[0] } };
  }

  /** The backward pass of a forward divided by `split` (null: it ran on `local` alone). */
  backward(
    split: Split | null,
    gradOutput: Tensor,
    options: CheckedBackwardOptions,
  ): BackwardResult {
    const threads = this.current;
    const local = this.local;
    if (split === null || threads === null) return local.backward(gradOutput, options);
    return threads.backward(local, this.params.grads, split.bounds, gradOutput, options);
  }

  /**
   * Queues a change to `threads` threads. When it runs, the model's last forward is spent if it
   * was split, and `snapshot` gives the replicas' weights. A count that is not
   * an integer in [1, maxThreads()] is rejected with a RangeError, and nothing is queued.
   */
  set(threads: number, snapshot: () => ModelJSON): Promise<void> {
    const most = maxThreads();
    if (!Number.isInteger(threads) || threads < 1 || threads > most) {
      return Promise.reject(
        new RangeError(`threads is ${describe(threads)}, expected an integer in [1, ${most}]`),
      );
    }
    const change = this.changes.then(async () => {
      const old = this.running;
      this.running = null;
      this.pending.threadsChanged();
      const json = snapshot();
      if (old !== null) {
        orphans.unregister(old);
        await old.close();
      }
      if (threads > 1) {
        const started = await this.start(threads - 1, json);
        orphans.register(this.owner, started, started);
        this.running = started;
      }
    });
    this.changes = change.catch(() => undefined);
    return change;
  }
}

const switches = new WeakMap<object, ThreadSwitch>();

/**
 * Runs `fn` with `model`'s passes on the calling thread only, for tools that read the model's
 * own workspace after a backward pass (the gradient-flow trace). Not public.
 */
export function onOneThread<T>(model: object, fn: () => T): T {
  const sw = switches.get(model);
  if (sw === undefined) return fn();
  sw.pause(1);
  try {
    return fn();
  } finally {
    sw.pause(-1);
  }
}
