import type { Tensor } from '../tensor/tensor.js';
import type { RngState } from '../tensor/rng.js';
import { checkInt, checkKeys, describe } from '../tensor/errors.js';
import { checkSeed } from '../tensor/rng.js';
import type { ScheduleState } from './schedule.js';
import type { EarlyStoppingState } from './early-stopping.js';

/**
 * Sums of an epoch in progress, so that a run resumed mid-epoch reports the same epoch.
 * @category Training
 */
export interface EpochSums {
  /** Sum of the losses of the updates kept so far. */
  sum: number;
  /** Updates kept so far. */
  counted: number;
  /** Updates skipped so far. */
  skippedSteps: number;
  /** Largest finite gradient norm so far. */
  maxGradNorm: number;
}

/**
 * Everything a run of `fit` needs to go on exactly where it stopped, besides the weights and the
 * optimizer state: `FitHistory.state` gives it, `saveCheckpoint` stores it, `loadCheckpoint`
 * returns it and `fit({ resume })` continues from it. Plain data and tensors.
 * @category Training
 */
export interface FitState {
  /** The epoch to run next, or the one in progress when `batch` > 0 (an index from 0). */
  epoch: number;
  /** Batches of that epoch already trained (0 at an epoch boundary). */
  batch: number;
  /** The run's shuffling seed. */
  seed: number;
  /** Skipped steps in a row at the end (for `maxSkippedSteps`). */
  skippedRun: number;
  /** The sums of the epoch in progress (null at an epoch boundary). */
  partial: EpochSums | null;
  /** The schedule's state, or null without a schedule. */
  schedule: ScheduleState | null;
  /** Early stopping's state, or null without it. */
  earlyStopping: EarlyStoppingState | null;
  /** The model's dropout mask generator. */
  dropout: RngState | null;
  /**
   * The weights to go on from when they differ from the model's (early stopping put back the best
   * epoch's weights at the end), else null.
   */
  weights: Record<string, Tensor> | null;
}

const KEYS = [
  'epoch',
  'batch',
  'seed',
  'skippedRun',
  'partial',
  'schedule',
  'earlyStopping',
  'dropout',
  'weights',
] as const satisfies readonly (keyof FitState)[];

/** A state at the start of a run from `epoch` (nothing carried). */
export function freshState(epoch: number, seed: number): FitState {
  return {
    epoch,
    batch: 0,
    seed,
    skippedRun: 0,
    partial: null,
    schedule: null,
    earlyStopping: null,
    dropout: null,
    weights: null,
  };
}

/**
 * Validates a {@link FitState}'s counters (the schedule, early-stopping and generator parts are
 * checked by their owners when loaded).
 * @throws TypeError/RangeError naming the first bad field.
 */
export function checkFitState(value: unknown): FitState {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(
      `resume is ${describe(value)}, expected the state fit or loadCheckpoint gave`,
    );
  checkKeys('resume', value, KEYS);
  const s = value as FitState;
  checkInt('resume.epoch', s.epoch, 0);
  checkInt('resume.batch', s.batch, 0);
  checkSeed('resume.seed', s.seed);
  checkInt('resume.skippedRun', s.skippedRun, 0);
  const p = s.partial;
  if (p !== null) {
    if (typeof p !== 'object')
      throw new TypeError(`resume.partial is ${describe(p)}, expected sums`);
    checkKeys('resume.partial', p, ['sum', 'counted', 'skippedSteps', 'maxGradNorm']);
    for (const k of ['sum', 'maxGradNorm'] as const)
      if (typeof p[k] !== 'number' || !Number.isFinite(p[k]))
        throw new RangeError(`resume.partial.${k} is ${describe(p[k])}, expected a finite number`);
    checkInt('resume.partial.counted', p.counted, 0);
    checkInt('resume.partial.skippedSteps', p.skippedSteps, 0);
  }
  return s;
}
