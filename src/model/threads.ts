import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { InitialStateInputs } from '../recurrent/initial-state.js';
import type { ModelJSON } from './json.js';
import type { BackwardOptions, BackwardResult, ForwardResult } from './types.js';

/** The passes a model runs on its own thread, over one chunk of a batch. */
export interface LocalPasses {
  forward(x: Tensor, lengths: Int32Array | null, states: InitialStateInputs): ForwardResult;
  backward(gradOutput: Tensor, options: BackwardOptions): BackwardResult;
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
    options: BackwardOptions,
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
