import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { Rng, checkSeed, mixSeeds } from '../tensor/rng.js';
import { checkInt, checkKeys, checkBoolean, describe } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { toTensor, type SequenceInput } from '../nn/validate.js';
import { checkLoss, type Loss } from '../loss/loss.js';
import {
  checkTrainOptions,
  lossOf,
  prepareBatch,
  trainStep,
  type Batch,
  type TrainOptions,
  pickTrainOptions,
} from './step.js';
import { checkInitialEpoch, checkSignal, checkTable, inContext, type Table } from './fit-checks.js';
import { stopReason } from './guard.js';
import { stepLosses } from './evaluate.js';
import { createProgress, type ProgressOptions } from './progress.js';
import type { AbortSignalLike } from './signal.js';

/** A dataset of N sequences: every field indexed by sequence first, like a batch. */
export interface Dataset {
  /** N input sequences `[N, T, I]` (a `Tensor` or nested arrays). */
  inputs: SequenceInput;
  /**
   * Targets of each sequence: `[N, T, O]` values or `[N, T]` class indices (`[N, O]` / `[N]` with
   * a last-step head).
   */
  targets: Tensor | NestedArray;
  /**
   * Real steps of each of the N sequences when they are padded to T; padded steps add nothing to
   * the loss or any gradient.
   */
  lengths?: readonly number[];
  /** `[N, T]` of 1 (the step counts in the loss) and 0 (ignored), combined with `lengths`. */
  mask?: Tensor | NestedArray;
  /** Sample weights, `[N]` or `[N, T]` (see `Batch.weights`); shuffling keeps them with their rows. */
  weights?: Tensor | NestedArray;
  /** One context vector `[N, C]` per sequence, for `initialState: 'encoded'`. */
  contexts?: Tensor | NestedArray;
}

/** Reported after every batch. */
export interface BatchInfo {
  /** Index of the epoch, counted from 0. */
  epoch: number;
  /** Index of the batch within its epoch, counted from 0. */
  batch: number;
  /** The batch's loss before the update (not finite when the step was skipped). */
  loss: number;
  /** Global L2 gradient norm before clipping. */
  gradNorm: number;
  /** True when the loss or gradient norm was not finite and the update was skipped. */
  skipped: boolean;
}

/** Reported after every epoch. */
export interface EpochInfo {
  /** Index of the epoch, counted from 0: the first epoch is `epoch 0`. */
  epoch: number;
  /** Mean training loss over the epoch's batches (skipped batches excluded). */
  loss: number;
  /** Loss on the validation data, when given. */
  valLoss: number | null;
  /** Steps undone because the loss, gradient norm, weights or optimizer state would not be finite. */
  skippedSteps: number;
  /** Largest finite gradient norm seen in the epoch (0 when none was finite). */
  maxGradNorm: number;
}

/** Options of {@link fit}: the training options plus the loop's. */
export interface FitOptions extends TrainOptions {
  /** The epoch index training ends at (default 1), as in Keras: `initialEpoch` to `epochs - 1` run. */
  epochs?: number;
  /** The epoch to start from (default 0): resuming after k epochs with `initialEpoch: k` is exact. */
  initialEpoch?: number;
  /** With `onNonFinite: 'skip'`, stop after this many skipped steps in a row (default 5). */
  maxSkippedSteps?: number;
  /** Sequences per batch (default 32, at most N). */
  batchSize?: number;
  /** Reshuffle the order every epoch (default true), with a generator seeded by `(seed, epoch)`. */
  shuffle?: boolean;
  /** Seed of the shuffling: an integer in [0, 2^32) (default 0); the same seed gives the same batch order. */
  seed?: number;
  /**
   * Data scored after every epoch (`EpochInfo.valLoss`), with no weight changed; validated before
   * the first step like the training data.
   */
  validation?: Dataset;
  /** Called after every batch's step. */
  onBatch?: (info: BatchInfo) => void;
  /** Called after every epoch, with the entry it adds to {@link FitHistory.epochs}. */
  onEpoch?: (info: EpochInfo) => void;
  /** Stops training after the current batch when aborted. */
  signal?: AbortSignalLike;
  /** Shows a progress line (epoch, batch, loss, time left); see {@link ProgressOptions}. */
  progress?: boolean | ProgressOptions;
}

/** What {@link fit} did. */
export interface FitHistory {
  /** One entry per completed epoch, in order. */
  epochs: EpochInfo[];
  /** True when `signal` stopped training early. */
  aborted: boolean;
  /**
   * Why training stopped before the last epoch: aborted, or steps skipped because they would
   * make weights non-finite (`onNonFinite: 'stop'`, or `maxSkippedSteps` in a row); null when
   * every epoch ran.
   */
  stopReason: string | null;
}

const FIT_KEYS = [
  'loss',
  'optimizer',
  'clip',
  'epochs',
  'batchSize',
  'shuffle',
  'seed',
  'validation',
  'onBatch',
  'onEpoch',
  'signal',
  'onNonFinite',
  'initialEpoch',
  'maxSkippedSteps',
  'progress',
];

/**
 * Trains `model` on `data` with mini-batch BPTT. Everything is validated before the first step.
 * Runs synchronously; see {@link fitAsync} for a form that keeps a page responsive.
 */
export function fit(model: Model, data: Dataset, options: FitOptions): FitHistory {
  const loop = trainingLoop(model, data, options);
  let r = loop.next();
  while (!r.done) r = loop.next();
  return r.value;
}

/** {@link fit}, yielding to the event loop after every batch so a browser page stays responsive. */
export async function fitAsync(
  model: Model,
  data: Dataset,
  options: FitOptions,
): Promise<FitHistory> {
  const loop = trainingLoop(model, data, options);
  let r = loop.next();
  while (!r.done) {
    await yieldToEventLoop();
    r = loop.next();
  }
  return r.value;
}

/**
 * Mean loss of `model` on `data` (weighted by batch size), in batches, without changing any
 * weight. With `'mean'` reduction and padded sequences or sample weights, each batch's mean counts
 * its own real steps and weights. With `'none'` reduction, the per-step errors instead: a float64 tensor `[N, T]` (`[N]` with a
 * last-step head), 0 at padded and masked steps.
 * @throws TypeError when `loss` is missing or not a Loss; TypeError/RangeError for invalid data.
 */
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss<'none'>,
  batchSize?: number,
): Tensor;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss<'mean' | 'sum'>,
  batchSize?: number,
): number;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss,
  batchSize?: number,
): number | Tensor;
export function evaluate(model: Model, data: Dataset, loss: Loss, batchSize = 32): number | Tensor {
  checkLoss(loss, false);
  checkInt('batchSize', batchSize);
  const table = toTable(model, data);
  if (loss.reduction === 'none') return stepLosses(model, table, loss, batchSize);
  return meanLoss(model, table, loss, batchSize);
}

function meanLoss(model: Model, table: Table, loss: Loss, batchSize: number): number {
  let total = 0;
  for (let start = 0; start < table.N; start += batchSize) {
    const rows = range(start, Math.min(table.N, start + batchSize));
    total += lossOf(model, prepareBatch(model, table.batch(rows), loss), loss).value * rows.length;
  }
  return total / table.N;
}

function* trainingLoop(
  model: Model,
  data: Dataset,
  options: FitOptions,
): Generator<void, FitHistory, void> {
  checkKeys('fit options', options, FIT_KEYS);
  checkTrainOptions(options);
  const epochs = checkInt('epochs', options.epochs ?? 1);
  const initialEpoch = checkInitialEpoch(options.initialEpoch, epochs);
  const maxSkipped = checkInt('maxSkippedSteps', options.maxSkippedSteps ?? 5);
  const shuffle = checkBoolean('shuffle', options.shuffle ?? true);
  const seed = checkSeed('seed', options.seed ?? 0);
  const signal = checkSignal(options.signal);
  const stepOptions = pickTrainOptions(options);
  const table = inContext('training set', () =>
    checkTable(model, toTable(model, data), options.loss),
  );
  const batchSize = Math.min(checkInt('batchSize', options.batchSize ?? 32), table.N);
  const validation =
    options.validation === undefined
      ? null
      : inContext('validation set', () =>
          checkTable(model, toTable(model, options.validation), options.loss),
        );
  const progress = createProgress(options.progress, epochs, Math.ceil(table.N / batchSize));
  const history: FitHistory = { epochs: [], aborted: false, stopReason: null };
  let skippedRun = 0;
  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    const order = range(0, table.N);
    if (shuffle) new Rng(mixSeeds(seed, epoch)).shuffle(order);
    let sum = 0;
    let counted = 0;
    let skippedSteps = 0;
    let maxGradNorm = 0;
    for (let start = 0, batch = 0; start < table.N; start += batchSize, batch++) {
      if (signal?.aborted) {
        progress?.end();
        return { ...history, aborted: true, stopReason: 'aborted by signal' };
      }
      const r = trainStep(model, table.batch(order.slice(start, start + batchSize)), stepOptions);
      if (r.skipped) skippedSteps++;
      else {
        sum += r.loss;
        counted++;
      }
      skippedRun = r.skipped ? skippedRun + 1 : 0;
      if (r.gradNorm > maxGradNorm && Number.isFinite(r.gradNorm)) maxGradNorm = r.gradNorm;
      progress?.batch({ epoch, batch, loss: r.loss });
      options.onBatch?.({ epoch, batch, loss: r.loss, gradNorm: r.gradNorm, skipped: r.skipped });
      const stop = stopReason(r.skipReason, skippedRun, maxSkipped, stepOptions.onNonFinite);
      if (stop !== null) {
        history.stopReason = `stopped in epoch ${epoch} at batch ${batch}: ${stop}`;
        history.epochs.push(epochInfo(epoch, sum, counted, null, skippedSteps, maxGradNorm));
        progress?.end();
        return history;
      }
      yield;
    }
    const valLoss =
      validation === null ? null : meanLoss(model, validation, options.loss, batchSize);
    const info = epochInfo(epoch, sum, counted, valLoss, skippedSteps, maxGradNorm);
    history.epochs.push(info);
    progress?.epoch(info);
    options.onEpoch?.(info);
  }
  progress?.end();
  return history;
}

function epochInfo(
  epoch: number,
  sum: number,
  counted: number,
  valLoss: number | null,
  skippedSteps: number,
  maxGradNorm: number,
): EpochInfo {
  return { epoch, loss: counted > 0 ? sum / counted : NaN, valLoss, skippedSteps, maxGradNorm };
}

function toTable(model: Model, data: Dataset | undefined): Table {
  if (typeof data !== 'object' || data === null)
    throw new TypeError(`data is ${describe(data)}, expected { inputs, targets }`);
  if (!(data.targets instanceof Tensor) && !Array.isArray(data.targets)) {
    throw new TypeError(
      `targets is ${describe(data.targets)}, expected a Tensor or nested arrays, one row per sequence`,
    );
  }
  checkKeys('data', data, ['inputs', 'targets', 'lengths', 'mask', 'weights', 'contexts']);
  const dtype = model.options.dtype;
  const inputs = toTensor('inputs', data.inputs, 3, dtype);
  const N = inputs.shape[0];
  if (N === 0) throw new RangeError('inputs is an empty dataset: expected at least one sequence');
  const targets = data.targets instanceof Tensor ? data.targets : Tensor.from(data.targets, dtype);
  const mask = data.mask === undefined ? undefined : toTensor('mask', data.mask, 2, 'float64');
  const contexts =
    data.contexts === undefined ? undefined : toTensor('contexts', data.contexts, 2, dtype);
  const weights = data.weights === undefined ? undefined : toWeights(data.weights);
  for (const [name, t] of [
    ['targets', targets],
    ['mask', mask],
    ['contexts', contexts],
    ['weights', weights],
  ] as const) {
    if (t !== undefined && t.shape[0] !== N)
      throw new RangeError(`${name} has ${t.shape[0]} rows, inputs has ${N} sequences`);
  }
  if (data.lengths !== undefined && (!Array.isArray(data.lengths) || data.lengths.length !== N)) {
    throw new RangeError(`lengths is ${describe(data.lengths)}, expected ${N} integers`);
  }
  return {
    N,
    batch(rows: readonly number[]): Batch {
      const b: Batch = { input: gather(inputs, rows), target: gather(targets, rows) };
      if (data.lengths !== undefined)
        b.lengths = rows.map((r) => (data.lengths as readonly number[])[r]);
      if (mask !== undefined) b.mask = gather(mask, rows);
      if (contexts !== undefined) b.context = gather(contexts, rows);
      if (weights !== undefined) b.weights = gather(weights, rows);
      return b;
    },
  };
}

function toWeights(w: unknown): Tensor {
  if (w instanceof Tensor) return w;
  if (!Array.isArray(w))
    throw new TypeError(`weights is ${describe(w)}, expected a Tensor or nested arrays`);
  return Tensor.from(w as NestedArray, 'float64');
}

/** Rows `rows` of `t` (first dimension) as a new tensor. */
function gather(t: Tensor, rows: readonly number[]): Tensor {
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Tensor([rows.length, ...t.shape.slice(1)], t.dtype);
  rows.forEach((r, i) => out.data.set(t.data.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
