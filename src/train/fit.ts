import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { checkInt, checkKeys, checkBoolean } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { checkLoss, type Loss } from '../loss/loss.js';
import { checkTrainOptions, prepareBatch, trainStep, type TrainOptions } from './step.js';
import { MetricSums, type MetricName, type Metrics } from './metrics.js';
import type { LrSchedule } from './schedule.js';
import type { EarlyStoppingOptions } from './early-stopping.js';
import { EpochControl } from './epoch-control.js';
import { inTrainingMode, meanLoss, metricsFor, stepLosses } from './evaluate.js';
import { splitValidation } from './validation-split.js';
import { checkTruncatable, timeChunks, type CarriedState } from './tbptt.js';
import { range, toTable, type Dataset, type Table } from './dataset.js';

import { createProgress, type ProgressOptions } from './progress.js';
import type { AbortSignalLike } from './signal.js';

export type { Dataset } from './dataset.js';

/** Reported after every batch. */
export interface BatchInfo {
  /** Index of the epoch, counted from 0. */
  epoch: number;
  /** Index of the update within its epoch, counted from 0 (with `tbptt`, one per chunk). */
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
  /** Steps skipped because the loss or gradient norm was not finite. */
  skippedSteps: number;
  /** Largest gradient norm seen in the epoch. */
  maxGradNorm: number;
  /** Learning rate used during the epoch. */
  lr: number;
  /** The requested `metrics` over the epoch's training batches (as the weights were at each batch). */
  metrics: Metrics;
  /** The requested `metrics` on the validation data, when given. */
  valMetrics: Metrics | null;
}

/** Options of {@link fit}: the training options plus the loop's. */
export interface FitOptions extends TrainOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Sequences per batch (default 32, at most N). */
  batchSize?: number;
  /** Reshuffle the order every epoch (default true), with a generator seeded by `seed`. */
  shuffle?: boolean;
  /** Seed of the shuffling generator (default 0): the same seed gives the same batch order. */
  seed?: number;
  /**
   * Data scored after every epoch (`EpochInfo.valLoss`), with no weight changed; validated before
   * the first step like the training data.
   */
  validation?: Dataset;
  /** Hold out the last `validationSplit` of the sequences (before shuffling) as validation data, in (0, 1). */
  validationSplit?: number;
  /** Metrics to report every epoch on the training batches and the validation data. */
  metrics?: MetricName[];
  /** Learning-rate schedule, stepped after every epoch with the validation (else training) loss. */
  schedule?: LrSchedule;
  /**
   * Stops when the validation (else training) loss has not improved for `patience` epochs and,
   * by default, restores the weights of the best epoch at the end.
   */
  earlyStopping?: EarlyStoppingOptions;
  /** Called after every batch's step. */
  onBatch?: (info: BatchInfo) => void;
  /** Called after every epoch, with the entry it adds to {@link FitHistory.epochs}. */
  onEpoch?: (info: EpochInfo) => void;
  /**
   * Truncated BPTT: each batch is trained in chunks of `tbptt` steps, one update per chunk, the
   * state carried from chunk to chunk (detached) and reset between batches. Validation runs in
   * chunks too. Not with `lengths`, a bidirectional model or a last-step head.
   */
  tbptt?: number;
  /** Stops training after the current batch when aborted. */
  signal?: AbortSignalLike;
  /** Shows a progress line (epoch, batch, loss, time left); see {@link ProgressOptions}. */
  progress?: boolean | ProgressOptions;
}

/** What {@link evaluate} returns when given options. */
export interface Evaluation {
  /** Mean loss over the dataset. */
  loss: number;
  /** Each requested metric over every real step. */
  metrics: Metrics;
}

/** Options of {@link evaluate} besides the batch size alone. */
export interface EvaluateOptions {
  /** Sequences per batch (default 32). */
  batchSize?: number;
  /** Metrics to compute besides the loss. */
  metrics?: MetricName[];
  /** Run each batch in chunks of this many steps, carrying the state (as `fit` with `tbptt`). */
  tbptt?: number;
}

/** What {@link fit} did. */
export interface FitHistory {
  /** One entry per completed epoch, in order. */
  epochs: EpochInfo[];
  /** True when `signal` stopped training early (the weights are then left as they are). */
  aborted: boolean;
  /** True when early stopping ended training before the last epoch. */
  stoppedEarly: boolean;
  /** With early stopping, the epoch with the lowest monitored loss; else null. */
  bestEpoch: number | null;
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
  'validationSplit',
  'metrics',
  'schedule',
  'earlyStopping',
  'tbptt',
  'onBatch',
  'onEpoch',
  'signal',
  'progress',
];

/**
 * Trains `model` on `data` with mini-batch BPTT. Everything is validated before the first step.
 * Runs synchronously; see {@link fitAsync} for a form that keeps a page responsive.
 */
export function fit(model: Model, data: Dataset, options: FitOptions): FitHistory {
  const loop = inTrainingMode(model, trainingLoop(model, data, options));
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
  const loop = inTrainingMode(model, trainingLoop(model, data, options));
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
  loss: Loss<'mean' | 'sum'>,
  batchSize?: number,
): number;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss<'none'>,
  batchSize?: number,
): Tensor;
/**
 * {@link evaluate} with options: the mean loss and each of `metrics` over every real step;
 * with `tbptt`, chunk by chunk with the state carried, as `fit` validates with it.
 * @throws TypeError for a loss with reduction 'none'.
 */
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss,
  options: EvaluateOptions,
): Evaluation;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss,
  batchSize?: number,
): number | Tensor;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss,
  options: number | EvaluateOptions = 32,
): number | Tensor | Evaluation {
  checkLoss(loss, false);
  if (typeof options === 'number') {
    checkInt('batchSize', options);
    const table = toTable(model, data);
    if (loss.reduction === 'none') return stepLosses(model, table, loss, options);
    return meanLoss(model, table, loss, options);
  }
  if (loss.reduction === 'none')
    throw new TypeError(
      "evaluate with options needs a loss with reduction 'mean' or 'sum', not 'none'",
    );
  checkKeys('evaluate options', options, ['batchSize', 'metrics', 'tbptt']);
  const batchSize = checkInt('batchSize', options.batchSize ?? 32);
  const chunk = options.tbptt === undefined ? null : checkInt('tbptt', options.tbptt);
  const table = toTable(model, data);
  const names = options.metrics === undefined ? [] : options.metrics;
  const sums = new MetricSums(metricsFor(model, table, loss, names));
  return { loss: meanLoss(model, table, loss, batchSize, sums, chunk), metrics: sums.result() };
}

function* trainingLoop(
  model: Model,
  data: Dataset,
  options: FitOptions,
): Generator<void, FitHistory, void> {
  checkKeys('fit options', options, FIT_KEYS);
  checkTrainOptions(options);
  const epochs = checkInt('epochs', options.epochs ?? 1);
  const shuffle = checkBoolean('shuffle', options.shuffle ?? true);
  const rng = new Rng(options.seed ?? 0);
  const { table, validation } = fitTables(model, data, options);
  const batchSize = Math.min(checkInt('batchSize', options.batchSize ?? 32), table.N);
  prepareBatch(model, table.batch(range(0, table.N)), options.loss);
  if (validation !== null)
    prepareBatch(model, validation.batch(range(0, validation.N)), options.loss);
  const metrics =
    options.metrics === undefined ? [] : metricsFor(model, table, options.loss, options.metrics);
  const tbptt = options.tbptt === undefined ? null : checkInt('tbptt', options.tbptt);
  if (tbptt !== null) checkTruncatable(model, table.batch([0]));
  const control = new EpochControl(model, options);
  const history: FitHistory = { epochs: [], aborted: false, stoppedEarly: false, bestEpoch: null };
  const steps = prepareBatch(model, table.batch([0]), options.loss).input.shape[1];
  const perBatch = tbptt === null ? 1 : Math.ceil(steps / tbptt);
  const progress = createProgress(
    options.progress,
    epochs,
    Math.ceil(table.N / batchSize) * perBatch,
  );
  const order = range(0, table.N);
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (shuffle) rng.shuffle(order);
    let sum = 0;
    let counted = 0;
    let skippedSteps = 0;
    let maxGradNorm = 0;
    const lr = options.optimizer.lr;
    const sums = new MetricSums(metrics);
    let batch = 0;
    for (let start = 0; start < table.N; start += batchSize) {
      const whole = table.batch(order.slice(start, start + batchSize));
      const chunks = tbptt === null ? null : timeChunks(model, whole, options.loss, tbptt);
      let carried: CarriedState | null = null;
      for (let i = 0; i < (chunks?.count ?? 1); i++) {
        if (options.signal?.aborted) {
          progress?.end();
          return { ...history, aborted: true };
        }
        const batchData = chunks === null ? whole : chunks.chunk(i, carried);
        const r = trainStep(model, batchData, options);
        carried = { h: r.h, c: r.c };
        if (metrics.length > 0) {
          const b = prepareBatch(model, batchData, options.loss);
          sums.add(r.output, b.target, b.mask);
        }
        if (r.skipped) skippedSteps++;
        else {
          sum += r.loss;
          counted++;
        }
        if (!(r.gradNorm <= maxGradNorm)) maxGradNorm = r.gradNorm;
        progress?.batch({ epoch, batch, loss: r.loss });
        options.onBatch?.({ epoch, batch, loss: r.loss, gradNorm: r.gradNorm, skipped: r.skipped });
        batch++;
        yield;
      }
    }
    const valSums = new MetricSums(metrics);
    const valLoss =
      validation === null
        ? null
        : meanLoss(model, validation, options.loss, batchSize, valSums, tbptt);
    const info: EpochInfo = {
      epoch,
      loss: counted > 0 ? sum / counted : NaN,
      valLoss,
      skippedSteps,
      maxGradNorm,
      lr,
      metrics: sums.result(),
      valMetrics: validation === null ? null : valSums.result(),
    };
    history.epochs.push(info);
    progress?.epoch(info);
    options.onEpoch?.(info);
    if (control.afterEpoch(epoch, valLoss ?? info.loss, epoch === epochs - 1)) {
      history.stoppedEarly = true;
      break;
    }
  }
  history.bestEpoch = control.finish();
  progress?.end();
  return history;
}

/** The training table and the validation table (given, or split off the data). */
function fitTables(
  model: Model,
  data: Dataset,
  options: FitOptions,
): { table: Table; validation: Table | null } {
  const table = toTable(model, data);
  if (options.validationSplit === undefined) {
    const validation = options.validation === undefined ? null : toTable(model, options.validation);
    return { table, validation };
  }
  if (options.validation !== undefined)
    throw new TypeError('fit options has both validation and validationSplit, expected one');
  const { train, validation } = splitValidation(table, options.validationSplit);
  return { table: train, validation };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
