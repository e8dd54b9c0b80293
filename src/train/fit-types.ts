import type { TrainOptions } from './step.js';
import type { MetricName, Metrics } from './metrics.js';
import type { LrSchedule } from './schedule.js';
import type { EarlyStoppingOptions } from './early-stopping.js';
import type { Dataset } from './dataset.js';
import type { ProgressOptions } from './progress.js';
import type { AbortSignalLike } from './signal.js';
import type { FitState } from './fit-state.js';

/*
 * Numbering: `epoch` and `batch` fields (callbacks, FitState) are indices counted from 0; text
 * (the progress line, `stopReason`, error messages) shows positions counted from 1 out of the
 * total, `epoch 1/8 batch 3/10` being epoch index 0, batch index 2.
 */

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
   * Why training ended: `'completed'` after the last epoch, else early stopping, the signal, or
   * steps skipped because they would make weights non-finite (with the epoch and batch, counted
   * from 1 as in the progress line).
   */
  stopReason: string;
  /** Where the run stands: pass it to `saveCheckpoint`, or to `fit` as `resume` to go on exactly. */
  state: FitState;
}
