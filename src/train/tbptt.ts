import { Tensor } from '../tensor/tensor.js';
import { checkInt, describe } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { checkShape } from '../nn/validate.js';
import type { Loss } from '../loss/loss.js';
import type { MetricSums } from './metrics.js';
import {
  checkTrainOptions,
  lossOf,
  prepareBatch,
  trainStep,
  type Batch,
  type StepResult,
  type TrainOptions,
} from './step.js';

/**
 * The recurrent state carried from one chunk to the next: `[L, B, H]` each.
 * @category Training
 */
export interface CarriedState {
  /** Hidden state. */
  h: Tensor;
  /** LSTM cell state, else null. */
  c: Tensor | null;
}

/**
 * Options of {@link trainTruncated}: the training options plus the chunk length.
 * @category Training
 */
export interface TruncatedOptions extends TrainOptions {
  /** Steps per chunk (k): one update per chunk, no gradient across chunk boundaries. */
  chunk: number;
}

/**
 * What {@link trainTruncated} did.
 * @category Training
 */
export interface TruncatedResult {
  /** One result per chunk, in time order. */
  steps: StepResult[];
  /** The state after the last chunk, to pass to the next call that continues these sequences. */
  state: CarriedState;
}

/**
 * Truncated backpropagation through time over one batch of long sequences `[B, T, ...]`: time is
 * cut into chunks `[0, k)`, `[k, 2k)`, … (the last may be shorter) and each chunk in order is one
 * {@link trainStep}: forward from the carried state, loss over the chunk only, backward, clip,
 * update. The carried state is the previous chunk's final `h` (and `c`), computed with the
 * weights before that chunk's update and detached: no gradient crosses a boundary. The first
 * chunk starts from `state` when given (to continue a stream from an earlier call), else from the
 * batch's `h0`/`c0` or the model's initial state. With k ≥ T it is exactly one `trainStep`.
 *
 * Memory is bounded by k, not T: the model caches one chunk at a time. The batch is validated
 * whole before the first update. Not for bidirectional models, a last-step head or `lengths`.
 * @throws TypeError/RangeError for invalid batches, states or options.
 * @example
 * ```ts
 * import { Model, adam, mseLoss, trainTruncated } from 'rnnkit';
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 8, outputSize: 1 });
 * const wave = Array.from({ length: 100 }, (_, t) => [Math.sin(t / 5)]);
 * const batch = { input: [wave.slice(0, 99)], target: [wave.slice(1)] };
 * const { steps } = trainTruncated(model, batch, { loss: mseLoss(), optimizer: adam(), chunk: 25 });
 * console.log(steps.length); // 4 updates, one per chunk of 25 steps
 * ```
 * @category Training
 */
export function trainTruncated(
  model: Model,
  batch: Batch,
  options: TruncatedOptions,
  state: CarriedState | null = null,
): TruncatedResult {
  checkTrainOptions(options);
  const k = checkInt('chunk', options.chunk);
  const chunks = timeChunks(model, batch, options.loss, k);
  if (state !== null) checkState(model, state, chunks.B);
  const train: TrainOptions = { loss: options.loss, optimizer: options.optimizer };
  if (options.clip !== undefined) train.clip = options.clip;
  const steps: StepResult[] = [];
  let carried = state;
  for (let i = 0; i < chunks.count; i++) {
    const r = trainStep(model, chunks.chunk(i, carried), train);
    steps.push(r);
    carried = { h: r.h, c: r.c };
  }
  return { steps, state: carried as CarriedState };
}

/** A validated batch cut into chunks of k steps. */
export interface TimeChunks {
  B: number;
  T: number;
  count: number;
  /** Chunk `i` as a batch starting from `carried` (or, without it, from the batch's own initial state). */
  chunk(i: number, carried: CarriedState | null): Batch;
}

/** Validates `batch` whole, then cuts it along time into chunks of `k` steps. */
export function timeChunks(model: Model, batch: Batch, loss: Loss, k: number): TimeChunks {
  checkTruncatable(model, batch);
  const prepared = prepareBatch(model, batch, loss);
  const [B, T] = prepared.input.shape;
  const mask = prepared.mask === null ? null : new Tensor([B, T], prepared.mask);
  return {
    B,
    T,
    count: Math.ceil(T / k),
    chunk(i, carried) {
      const [start, end] = [i * k, Math.min(T, (i + 1) * k)];
      const chunk: Batch = {
        input: sliceTime(prepared.input, start, end),
        target: sliceTime(prepared.target, start, end),
      };
      if (mask !== null) chunk.mask = sliceTime(mask, start, end);
      if (carried !== null) {
        chunk.h0 = carried.h;
        if (carried.c !== null) chunk.c0 = carried.c;
      } else {
        for (const key of ['h0', 'c0', 'context'] as const)
          if (batch[key] !== undefined) chunk[key] = batch[key];
      }
      return chunk;
    },
  };
}

/** Throws for the models and batches truncated BPTT does not apply to. */
export function checkTruncatable(model: Model, batch: Batch): void {
  const o = model.options;
  if (o.bidirectional || o.reverse)
    throw new TypeError(
      `truncated BPTT needs a unidirectional forward model, this one is ${o.bidirectional ? 'bidirectional' : 'reverse'}`,
    );
  if (o.head === 'last')
    throw new TypeError("truncated BPTT needs a head at every step, this model's head is 'last'");
  if (typeof batch === 'object' && batch !== null && batch.lengths !== undefined)
    throw new TypeError('truncated BPTT takes sequences of one length: lengths is not supported');
}

function checkState(model: Model, state: CarriedState, B: number): void {
  const o = model.options;
  const shape = [o.numLayers, B, o.hiddenSize];
  if (typeof state !== 'object' || state === null || !(state.h instanceof Tensor))
    throw new TypeError(`state is ${describe(state)}, expected { h, c } tensors`);
  checkShape('state.h', state.h, shape);
  if (model.hasCellState) {
    if (!(state.c instanceof Tensor))
      throw new TypeError(`state.c is ${describe(state.c)}, expected a tensor for an LSTM`);
    checkShape('state.c', state.c, shape);
  }
}

/** Steps `[start, end)` of a batch-first tensor `[B, T, ...]` as a new tensor. */
export function sliceTime(t: Tensor, start: number, end: number): Tensor {
  const [B, T] = t.shape;
  const rest = t.shape.slice(2);
  const width = rest.reduce((a, b) => a * b, 1);
  const out = new Tensor([B, end - start, ...rest], t.dtype);
  for (let b = 0; b < B; b++) {
    const from = (b * T + start) * width;
    out.data.set(t.data.subarray(from, from + (end - start) * width), b * (end - start) * width);
  }
  return out;
}

/**
 * The loss of `batch` computed chunk by chunk with the state carried across (no weight changes),
 * as truncated BPTT sees it: the sum of the chunks' losses with `'sum'` reduction, their mean
 * weighted by chunk length with `'mean'`. Adds each chunk to `sums` when given.
 */
export function chunkedLoss(
  model: Model,
  batch: Batch,
  loss: Loss,
  k: number,
  sums?: MetricSums,
): number {
  const chunks = timeChunks(model, batch, loss, k);
  let carried: CarriedState | null = null;
  let total = 0;
  for (let i = 0; i < chunks.count; i++) {
    const b = prepareBatch(model, chunks.chunk(i, carried), loss);
    const r = lossOf(model, b, loss);
    carried = { h: r.h, c: r.c };
    sums?.add(r.pred, b.target, b.mask);
    total += loss.reduction === 'sum' ? r.value : (r.value * b.input.shape[1]) / chunks.T;
  }
  return total;
}
