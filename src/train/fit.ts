import { Rng, checkSeed, mixSeeds } from '../tensor/rng.js';
import { checkInt, checkKeys, checkBoolean, checkPositive } from '../tensor/errors.js';
import type { Model } from '../model/model.js';

import {
  checkTrainOptions,
  stepPrepared,
  type CheckedTrainOptions,
  type StepResult,
  type TrainOptions,
} from './step.js';
import { ChunkLoop, prepareBatch } from './prepared.js';
import { checkFitState, freshState, type EpochSums, type FitState } from './fit-state.js';
import { dropoutModeOf } from '../model/dropout-mode.js';
import { checkInitialEpoch, checkSignal, checkTable, inContext } from './fit-checks.js';
import { stopReason } from './guard.js';
import { MetricSums, type MetricName, type Metrics } from './metrics.js';
import type { LrSchedule } from './schedule.js';
import type { EarlyStoppingOptions } from './early-stopping.js';
import { EpochControl } from './epoch-control.js';
import { inTrainingMode, meanLoss, metricsFor } from './evaluate.js';
import { splitValidation } from './validation-split.js';
import { checkTruncatable } from './tbptt.js';
import { range, toTable, type Dataset, type Table } from './dataset.js';

import { createProgress, type ProgressOptions } from './progress.js';
import type { AbortSignalLike } from './signal.js';

export type { Dataset } from './dataset.js';
export type { FitState, EpochSums } from './fit-state.js';
export { evaluate } from './evaluation.js';
export type { Evaluation, EvaluateOptions } from './evaluation.js';

/*
 * Numbering: `epoch` and `batch` fields (callbacks, FitState) are indices counted from 0; text
 * (the progress line, `stopReason`, error messages) shows positions counted from 1 out of the
 * total, `epoch 1/8 batch 3/10` being epoch index 0, batch index 2.
 */

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
  /** Shows a progress line (epoch, batch, loss, metrics, time left); see {@link ProgressOptions}. */
  progress?: boolean | ProgressOptions;
  /**
   * Goes on from a run's state (`FitHistory.state`, or `loadCheckpoint(...).state`): its epoch and
   * batch, schedule, early stopping and dropout generator. Not with `initialEpoch`; `seed`, when
   * given, must be the state's.
   */
  resume?: FitState;
  /** {@link fitAsync} only: the longest it trains before yielding to the event loop, in ms (default 50). */
  yieldEveryMs?: number;
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
  /**
   * Why training ended: `'completed'` after the last epoch, else early stopping, the signal, or
   * steps skipped because they would make weights non-finite (with the epoch and batch, counted
   * from 1 as in the progress line).
   */
  stopReason: string;
  /** Where the run stands: pass it to `saveCheckpoint`, or to `fit` as `resume` to go on exactly. */
  state: FitState;
}

const FIT_KEYS = [
  'loss',
  'optimizer',
  'clip',
  'maxAbsWeight',
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
  'resume',
  'yieldEveryMs',
] as const satisfies readonly (keyof FitOptions)[];

/**
 * Trains `model` on `data` with mini-batch BPTT. Everything is validated before the first step.
 * Runs synchronously (checking `signal` between batches); see {@link fitAsync} for a form that
 * keeps a page responsive. When it throws (also from a callback, loss or optimizer of the
 * caller's), the weights, the optimizer state, the schedule and the dropout generator are put
 * back as they were before the call.
 */
export function fit(model: Model, data: Dataset, options: FitOptions): FitHistory {
  return atomically(model, options, () => {
    const loop = inTrainingMode(model, trainingLoop(prepareRun(model, data, options)));
    let r = loop.next();
    while (!r.done) r = loop.next();
    return r.value;
  });
}

/**
 * {@link fit}, yielding to the event loop whenever it has trained for `yieldEveryMs` (default
 * 50 ms), so the main thread never pauses for longer than that plus one batch.
 */
export async function fitAsync(
  model: Model,
  data: Dataset,
  options: FitOptions,
): Promise<FitHistory> {
  const budget = checkPositive('yieldEveryMs', options?.yieldEveryMs ?? 50, true);
  const undo = snapshot(model, options);
  try {
    const loop = inTrainingMode(model, trainingLoop(prepareRun(model, data, options)));
    let since = now();
    let r = loop.next();
    while (!r.done) {
      if (now() - since >= budget) {
        await yieldToEventLoop();
        since = now();
      }
      r = loop.next();
    }
    return r.value;
  } catch (e) {
    undo();
    throw e;
  }
}

/** Runs `f`; when it throws, puts back weights, optimizer state, schedule and dropout generator. */
function atomically<T>(model: Model, options: FitOptions, f: () => T): T {
  const undo = snapshot(model, options);
  try {
    return f();
  } catch (e) {
    undo();
    throw e;
  }
}

function snapshot(model: Model, options: FitOptions): () => void {
  const values = model.params.values.slice();
  const optimizer = options?.optimizer;
  const opt = typeof optimizer?.stateDict === 'function' ? optimizer.stateDict() : null;
  const schedule = options?.schedule;
  const sched = typeof schedule?.stateDict === 'function' ? schedule.stateDict() : null;
  const mode = dropoutModeOf(model);
  const generator = mode?.generator ?? null;
  return () => {
    model.params.values.set(values);
    if (opt !== null) optimizer.loadStateDict(opt);
    if (sched !== null) schedule?.loadStateDict?.(sched);
    if (generator !== null && mode !== null) mode.generator = generator;
  };
}

/** A validated run: everything `fit` checks before the first step. */
interface Run {
  model: Model;
  options: FitOptions;
  step: CheckedTrainOptions;
  epochs: number;
  maxSkipped: number;
  shuffle: boolean;
  signal: AbortSignalLike | undefined;
  table: Table;
  validation: Table | null;
  batchSize: number;
  metrics: MetricName[];
  tbptt: number | null;
  control: EpochControl;
  start: FitState;
  batchesPerEpoch: number;
  progress: ReturnType<typeof createProgress>;
}

function prepareRun(model: Model, data: Dataset, options: FitOptions): Run {
  checkKeys('fit options', options, FIT_KEYS);
  const step = checkTrainOptions(options);
  const epochs = checkInt('epochs', options.epochs ?? 1);
  const start = startState(options, epochs);
  const maxSkipped = checkInt('maxSkippedSteps', options.maxSkippedSteps ?? 5);
  const shuffle = checkBoolean('shuffle', options.shuffle ?? true);
  const signal = checkSignal(options.signal);
  const { table, validation } = fitTables(model, data, options);
  const batchSize = Math.min(checkInt('batchSize', options.batchSize ?? 32), table.N);
  const metrics =
    options.metrics === undefined ? [] : metricsFor(model, table, options.loss, options.metrics);
  const tbptt = options.tbptt === undefined ? null : checkInt('tbptt', options.tbptt);
  if (tbptt !== null) checkTruncatable(model, table.batch([0]));
  const control = new EpochControl(model, options, start);
  const steps = prepareBatch(model, table.batch([0]), options.loss).input.shape[1];
  const perBatch = tbptt === null ? 1 : Math.ceil(steps / tbptt);
  const batches = Math.ceil(table.N / batchSize);
  const progress = createProgress(options.progress, epochs, batches * perBatch);
  const mode = dropoutModeOf(model);
  if (start.dropout !== null && mode !== null) mode.generator = start.dropout;
  if (start.weights !== null) model.loadStateDict(start.weights);
  const run = { model, options, step, epochs, maxSkipped, shuffle, signal, table, validation };
  return { ...run, batchSize, metrics, tbptt, control, start, batchesPerEpoch: batches, progress };
}

/** The state the run starts from: `resume`, or a fresh one at `initialEpoch`. */
function startState(options: FitOptions, epochs: number): FitState {
  const seed = checkSeed('seed', options.seed ?? options.resume?.seed ?? 0);
  if (options.resume === undefined)
    return freshState(checkInitialEpoch(options.initialEpoch, epochs), seed);
  if (options.initialEpoch !== undefined)
    throw new TypeError('fit options has both resume and initialEpoch, expected one');
  const state = checkFitState(options.resume);
  checkInitialEpoch(state.epoch, epochs);
  if (state.seed !== seed)
    throw new RangeError(`seed is ${seed}, the resumed run was shuffled with ${state.seed}`);
  return state;
}

function* trainingLoop(run: Run): Generator<void, FitHistory, void> {
  const history: FitHistory = {
    epochs: [],
    aborted: false,
    stoppedEarly: false,
    bestEpoch: null,
    stopReason: 'completed',
    state: run.start,
  };
  let state = run.start;
  while (state.epoch < run.epochs) {
    const end = yield* runEpoch(run, state, history);
    state = end.state;
    if (end.stop !== null) {
      history.stopReason = end.stop;
      break;
    }
  }
  return finish(run, history, state);
}

/** Restores the best weights when asked to and records where the run stands. */
function finish(run: Run, history: FitHistory, state: FitState): FitHistory {
  // An aborted run leaves the weights as they are.
  const restore = !history.aborted && run.control.restoresBest;
  const before = restore ? run.model.stateDict() : null;
  history.bestEpoch = run.control.finish(restore);
  run.progress?.end();
  const mode = dropoutModeOf(run.model);
  history.state = {
    ...state,
    ...run.control.stateDict(),
    dropout: mode?.generator ?? null,
    weights: before,
  };
  return history;
}

/** One epoch from the batch `state` says; returns the state after it and why to stop, if so. */
function* runEpoch(
  run: Run,
  state: FitState,
  history: FitHistory,
): Generator<void, { state: FitState; stop: string | null }, void> {
  const { table, batchSize, epochs } = run;
  const epoch = state.epoch;
  const order = range(0, table.N);
  if (run.shuffle) new Rng(mixSeeds(state.seed, epoch)).shuffle(order);
  const sums: EpochSums = state.partial ?? { sum: 0, counted: 0, skippedSteps: 0, maxGradNorm: 0 };
  const metricSums = new MetricSums(run.metrics);
  let skippedRun = state.skippedRun;
  let update = state.batch * (run.tbptt === null ? 1 : chunksPer(run));
  for (let batch = state.batch; batch < run.batchesPerEpoch; batch++) {
    const here = { ...state, batch, skippedRun, partial: { ...sums } };
    if (run.signal?.aborted) {
      history.aborted = true;
      return { state: here, stop: `aborted by signal before ${place(run, epoch, batch)}` };
    }
    const rows = order.slice(batch * batchSize, (batch + 1) * batchSize);
    const chunks = new ChunkLoop(
      prepareBatch(run.model, table.batch(rows), run.options.loss),
      run.tbptt,
    );
    for (let i = 0; i < chunks.count; i++) {
      const b = chunks.chunk(i);
      const r = stepPrepared(run.model, b, run.step);
      chunks.carry(r);
      if (run.metrics.length > 0) metricSums.add(r.output, b.target, b.mask);
      count(sums, r);
      report(run, epoch, update, r);
      if (!r.empty) skippedRun = r.skipped ? skippedRun + 1 : 0;
      const why = stopReason(
        r.empty ? null : r.skipReason,
        skippedRun,
        run.maxSkipped,
        run.step.policy,
      );
      if (why !== null) {
        const next = { ...state, batch: batch + 1, skippedRun, partial: { ...sums } };
        return { state: next, stop: `stopped in ${place(run, epoch, batch)}: ${why}` };
      }
      update++;
      yield;
    }
  }
  const info = epochInfo(run, epoch, sums, metricSums);
  history.epochs.push(info);
  run.progress?.epoch(info);
  run.options.onEpoch?.(info);
  const next = { ...state, epoch: epoch + 1, batch: 0, skippedRun, partial: null };
  if (run.control.afterEpoch(epoch, info.valLoss ?? info.loss, epoch === epochs - 1)) {
    history.stoppedEarly = true;
    return { state: next, stop: `early stopping after epoch ${epoch + 1}/${epochs}` };
  }
  return { state: next, stop: null };
}

function chunksPer(run: Run): number {
  const steps = prepareBatch(run.model, run.table.batch([0]), run.options.loss).input.shape[1];
  return Math.ceil(steps / (run.tbptt as number));
}

/** `epoch e/E batch b/B`, counted from 1. */
function place(run: Run, epoch: number, batch: number): string {
  return `epoch ${epoch + 1}/${run.epochs} batch ${batch + 1}/${run.batchesPerEpoch}`;
}

function count(sums: EpochSums, r: StepResult): void {
  if (r.skipped) sums.skippedSteps++;
  else {
    sums.sum += r.loss;
    sums.counted++;
  }
  if (r.gradNorm > sums.maxGradNorm && Number.isFinite(r.gradNorm)) sums.maxGradNorm = r.gradNorm;
}

function report(run: Run, epoch: number, batch: number, r: StepResult): void {
  run.progress?.batch({ epoch, batch, loss: r.loss });
  run.options.onBatch?.({ epoch, batch, loss: r.loss, gradNorm: r.gradNorm, skipped: r.skipped });
}

function epochInfo(run: Run, epoch: number, sums: EpochSums, metricSums: MetricSums): EpochInfo {
  const { validation, model, options, batchSize, tbptt } = run;
  const valSums = new MetricSums(run.metrics);
  const valLoss =
    validation === null
      ? null
      : meanLoss(model, validation, options.loss, batchSize, valSums, tbptt);
  return {
    epoch,
    loss: sums.counted > 0 ? sums.sum / sums.counted : NaN,
    valLoss,
    skippedSteps: sums.skippedSteps,
    maxGradNorm: sums.maxGradNorm,
    lr: options.optimizer.lr,
    metrics: metricSums.result(),
    valMetrics: validation === null ? null : valSums.result(),
  };
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

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
