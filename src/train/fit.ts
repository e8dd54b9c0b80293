import { Rng, checkSeed, mixSeeds } from '../tensor/rng.js';
import { checkInt, checkKeys, checkBoolean } from '../tensor/errors.js';
import type { Model } from '../model/model.js';

import {
  checkTrainOptions,
  pickTrainOptions,
  prepareBatch,
  trainStep,
  type TrainOptions,
} from './step.js';
import { checkInitialEpoch, checkSignal, checkTable, inContext } from './fit-checks.js';
import { stopReason } from './guard.js';
import { MetricSums, type MetricName, type Metrics } from './metrics.js';
import type { LrSchedule } from './schedule.js';
import type { EarlyStoppingOptions } from './early-stopping.js';
import { EpochControl } from './epoch-control.js';
import { inTrainingMode, meanLoss, metricsFor } from './evaluate.js';
import { splitValidation } from './validation-split.js';
import { checkTruncatable, timeChunks, type CarriedState } from './tbptt.js';
import { range, toTable, type Dataset, type Table } from './dataset.js';

import { createProgress, type ProgressOptions } from './progress.js';
import type { AbortSignalLike } from './signal.js';

export type { Dataset } from './dataset.js';
export { evaluate } from './evaluation.js';
export type { Evaluation, EvaluateOptions } from './evaluation.js';

/**
 * Reported after every batch.
 * @category Training
 */
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

/**
 * Reported after every epoch.
 * @category Training
 */
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
  /** Learning rate used during the epoch. */
  lr: number;
  /** The requested `metrics` over the epoch's training batches (as the weights were at each batch). */
  metrics: Metrics;
  /** The requested `metrics` on the validation data, when given. */
  valMetrics: Metrics | null;
}

/**
 * Options of {@link fit}: the training options plus the loop's.
 * @category Training
 */
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
  /** Seed of the shuffling: an integer in [0, 2^32) (default 0); the same seed, the same order. */
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

/**
 * What {@link fit} did.
 * @category Training
 */
export interface FitHistory {
  /** One entry per completed epoch, in order. */
  epochs: EpochInfo[];
  /** True when `signal` stopped training early (the weights are then left as they are). */
  aborted: boolean;
  /** True when early stopping ended training before the last epoch. */
  stoppedEarly: boolean;
  /** With early stopping, the epoch with the lowest monitored loss; else null. */
  bestEpoch: number | null;
  /**
   * Why training stopped before the last epoch, other than early stopping: aborted, or steps
   * skipped because they would make weights non-finite; null otherwise.
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
  'validationSplit',
  'metrics',
  'schedule',
  'earlyStopping',
  'tbptt',
  'onBatch',
  'onEpoch',
  'signal',
  'progress',
  'onNonFinite',
  'initialEpoch',
  'maxSkippedSteps',
];

/**
 * Trains `model` on `data` with mini-batch BPTT. Everything is validated before the first step.
 * Runs synchronously; see {@link fitAsync} for a form that keeps a page responsive.
 * @example
 * ```ts
 * import { Model, Tensor, adam, fit, mseLoss } from 'rnnkit';
 * const inputs = Tensor.from([[[0], [1], [2]], [[1], [2], [3]]]);
 * const targets = Tensor.from([[[1], [2], [3]], [[2], [3], [4]]]);
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 8, outputSize: 1, seed: 1 });
 * const history = fit(model, { inputs, targets }, { loss: mseLoss(), optimizer: adam({ lr: 0.02 }), epochs: 20 });
 * console.log(history.epochs[0].loss, '->', history.epochs.at(-1)?.loss); // the loss falls
 * ```
 * @category Training
 */
export function fit(model: Model, data: Dataset, options: FitOptions): FitHistory {
  const loop = inTrainingMode(model, trainingLoop(model, data, options));
  let r = loop.next();
  while (!r.done) r = loop.next();
  return r.value;
}

/**
 * {@link fit}, yielding to the event loop after every batch so a browser page stays responsive.
 * @example
 * ```ts
 * import { Model, adam, fitAsync, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1 });
 * const data = { inputs: [[[0], [1]], [[1], [0]]], targets: [[[1], [0]], [[0], [1]]] };
 * const controller = new AbortController();
 * const history = await fitAsync(model, data, {
 *   loss: mseLoss(), optimizer: adam(), epochs: 5, signal: controller.signal,
 *   onEpoch: (e) => console.log(`epoch ${e.epoch}: ${e.loss.toFixed(4)}`),
 * });
 * console.log(history.aborted); // false: it ran every epoch
 * ```
 * @category Training
 */
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
  const { table, validation } = fitTables(model, data, options);
  const batchSize = Math.min(checkInt('batchSize', options.batchSize ?? 32), table.N);
  const metrics =
    options.metrics === undefined ? [] : metricsFor(model, table, options.loss, options.metrics);
  const tbptt = options.tbptt === undefined ? null : checkInt('tbptt', options.tbptt);
  if (tbptt !== null) checkTruncatable(model, table.batch([0]));
  const control = new EpochControl(model, options);
  const history: FitHistory = {
    epochs: [],
    aborted: false,
    stoppedEarly: false,
    bestEpoch: null,
    stopReason: null,
  };
  let skippedRun = 0;
  const steps = prepareBatch(model, table.batch([0]), options.loss).input.shape[1];
  const perBatch = tbptt === null ? 1 : Math.ceil(steps / tbptt);
  const progress = createProgress(
    options.progress,
    epochs,
    Math.ceil(table.N / batchSize) * perBatch,
  );
  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    const order = range(0, table.N);
    if (shuffle) new Rng(mixSeeds(seed, epoch)).shuffle(order);
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
        if (signal?.aborted) {
          progress?.end();
          return { ...history, aborted: true, stopReason: 'aborted by signal' };
        }
        const batchData = chunks === null ? whole : chunks.chunk(i, carried);
        const r = trainStep(model, batchData, stepOptions);
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
        if (r.gradNorm > maxGradNorm && Number.isFinite(r.gradNorm)) maxGradNorm = r.gradNorm;
        progress?.batch({ epoch, batch, loss: r.loss });
        options.onBatch?.({ epoch, batch, loss: r.loss, gradNorm: r.gradNorm, skipped: r.skipped });
        skippedRun = r.skipped ? skippedRun + 1 : 0;
        const stop = stopReason(r.skipReason, skippedRun, maxSkipped, stepOptions.onNonFinite);
        if (stop !== null) {
          history.stopReason = `stopped in epoch ${epoch} at batch ${batch}: ${stop}`;
          history.bestEpoch = control.finish();
          progress?.end();
          return history;
        }
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
  const loss = options.loss;
  const table = inContext('training set', () => checkTable(model, toTable(model, data), loss));
  if (options.validationSplit === undefined) {
    const given = options.validation;
    const validation =
      given === undefined
        ? null
        : inContext('validation set', () => checkTable(model, toTable(model, given), loss));
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
