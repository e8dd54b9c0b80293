import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import {
  EarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
} from './early-stopping.js';
import type { LrSchedule, ScheduleState } from './schedule.js';

/** What happens between epochs of {@link fit}: the learning-rate schedule and early stopping. */
export class EpochControl {
  private readonly stopper: EarlyStopping | null;
  private readonly schedule: LrSchedule | null;

  /**
   * Validates both options and starts the schedule from the optimizer's rate, then puts back
   * the schedule's and early stopping's state from `resume` when it holds them.
   */
  constructor(
    private readonly model: {
      stateDict(): Record<string, Tensor>;
      loadStateDict(dict: Record<string, Tensor>): void;
    },
    private readonly options: {
      optimizer: Optimizer;
      schedule?: LrSchedule;
      earlyStopping?: EarlyStoppingOptions;
    },
    resume: {
      schedule: ScheduleState | null;
      earlyStopping: EarlyStoppingState | null;
    } | null = null,
  ) {
    const o = options;
    this.stopper = o.earlyStopping === undefined ? null : new EarlyStopping(o.earlyStopping);
    this.schedule = checkSchedule(o.schedule);
    this.schedule?.start(o.optimizer.lr);
    if (resume?.schedule != null) {
      if (typeof this.schedule?.loadStateDict !== 'function')
        throw new TypeError('resume holds a schedule state, the schedule given cannot load it');
      this.schedule.loadStateDict(resume.schedule);
    }
    if (resume?.earlyStopping != null) {
      if (this.stopper === null)
        throw new TypeError('resume holds an early stopping state, expected earlyStopping options');
      this.stopper.loadStateDict(resume.earlyStopping);
    }
  }

  /** True when {@link finish} will put back the best weights. */
  get restoresBest(): boolean {
    return this.stopper?.restoresBest ?? false;
  }

  /** The schedule's and early stopping's state (null for what the run does not use). */
  stateDict(): { schedule: ScheduleState | null; earlyStopping: EarlyStoppingState | null } {
    const schedule = this.schedule?.stateDict?.() ?? null;
    return { schedule, earlyStopping: this.stopper?.stateDict() ?? null };
  }

  /** After `epoch` with the monitored loss: true to stop early; else sets the next epoch's rate (also after the last). */
  afterEpoch(epoch: number, loss: number, last: boolean): boolean {
    const stop = this.stopper?.observe(epoch, loss, this.model) ?? false;
    if (stop && !last) return true;
    // Also after the last epoch: a run resumed from here starts at the next epoch's rate.
    if (this.schedule !== null) this.options.optimizer.lr = this.schedule.next(loss);
    return false;
  }

  /** Restores the best weights when asked to; returns the best epoch (null without early stopping). */
  finish(restore = true): number | null {
    if (this.stopper === null) return null;
    if (restore) this.stopper.restore(this.model);
    return this.stopper.bestEpoch < 0 ? null : this.stopper.bestEpoch;
  }
}

function checkSchedule(schedule: unknown): LrSchedule | null {
  if (schedule === undefined) return null;
  const s = schedule as Partial<LrSchedule> | null;
  if (typeof s?.start !== 'function' || typeof s.next !== 'function')
    throw new TypeError(
      `schedule is ${describe(schedule)}, expected a schedule such as stepLR({ stepSize })`,
    );
  return s as LrSchedule;
}
