import { Tensor } from '../tensor/tensor.js';
import { checkInt, checkKeys, describe } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { checkShape } from '../nn/validate.js';
import type { Loss } from '../loss/loss.js';
import type { MetricSums } from './metrics.js';
import {
  TRAIN_KEYS,
  checkTrainOptions,
  lossOf,
  stepPrepared,
  type StepResult,
  type TrainOptions,
} from './step.js';
import { orUndo, undoPoint } from './undo.js';
import { ChunkLoop, prepareBatch, type Batch, type CarriedState } from './prepared.js';

export type { CarriedState } from './prepared.js';
export { sliceTime } from './prepared.js';

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
 * When a chunk throws (`onNonFinite: 'throw'`, or a loss or optimizer of the caller's), the
 * updates of the chunks before it are undone too: weights, optimizer state and dropout
 * generator are as before the call.
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
  checkKeys('truncated training options', options, [...TRAIN_KEYS, 'chunk']);
  const checked = checkTrainOptions(options);
  const k = checkInt('chunk', options.chunk);
  const loop = timeChunks(model, batch, checked.loss, k);
  if (state !== null) checkState(model, state, loop.B);
  const chunks = new ChunkLoop(loop.batch, k, state);
  const steps: StepResult[] = [];
  return orUndo(undoPoint(model, checked.optimizer), () => {
    for (let i = 0; i < chunks.count; i++) {
      const r = stepPrepared(model, chunks.chunk(i), checked);
      steps.push(r);
      chunks.carry(r);
    }
    return { steps, state: chunks.state as CarriedState };
  });
}

/** A batch validated whole for truncated BPTT, with its size. */
export interface TruncatableBatch {
  B: number;
  batch: ReturnType<typeof prepareBatch>;
}

/** Validates `batch` whole for truncated BPTT (model and batch kind, then every part). */
export function timeChunks(model: Model, batch: Batch, loss: Loss, k: number): TruncatableBatch {
  checkInt('chunk', k);
  checkTruncatable(model, batch);
  const prepared = prepareBatch(model, batch, loss);
  return { B: prepared.input.shape[0], batch: prepared };
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
  const chunks = new ChunkLoop(timeChunks(model, batch, loss, k).batch, k);
  let total = 0;
  for (let i = 0; i < chunks.count; i++) {
    const b = chunks.chunk(i);
    const r = lossOf(model, b, loss);
    chunks.carry(r);
    sums?.add(r.pred, b.target, b.mask);
    total += loss.reduction === 'sum' ? r.value : (r.value * b.input.shape[1]) / chunks.T;
  }
  return total;
}
