import { checkSeed } from '../tensor/rng.js';
import { checkInt, checkKeys, checkBoolean } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { dropoutModeOf } from '../model/dropout-mode.js';
import { checkTrainOptions, type CheckedTrainOptions } from './step.js';
import { prepareBatch } from './prepared.js';
import { checkFitState, freshState, type FitState } from './fit-state.js';
import { checkInitialEpoch, checkSignal, checkTable, inContext } from './fit-checks.js';
import type { MetricName } from './metrics.js';
import { EpochControl } from './epoch-control.js';
import { metricsFor } from './evaluate.js';
import { splitValidation } from './validation-split.js';
import { checkTruncatable } from './tbptt.js';
import { toTable, type Dataset, type Table } from './dataset.js';
import { createProgress } from './progress.js';
import type { AbortSignalLike } from './signal.js';
import type { FitOptions } from './fit-types.js';

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

/** A validated run: everything `fit` checks before the first step. */
export interface Run {
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

/** Validates every option and both datasets and builds the run (nothing trains yet). */
export function prepareRun(model: Model, data: Dataset, options: FitOptions): Run {
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
