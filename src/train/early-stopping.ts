import type { Tensor } from '../tensor/tensor.js';
import type { Model } from '../model/model.js';
import { checkBoolean, checkInt, checkKeys, checkPositive, describe } from '../tensor/errors.js';

/**
 * Options of early stopping in {@link fit}.
 * @category Training
 */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before training stops (default 5). */
  patience?: number;
  /** An improvement is a loss lower than the best by more than this (default 0). */
  minDelta?: number;
  /** When training stops (early or not), put back the weights of the best epoch (default true). */
  restoreBest?: boolean;
}

/**
 * {@link EarlyStopping}'s state, as a checkpoint holds it.
 * @category Training
 */
export interface EarlyStoppingState {
  /** The lowest loss so far, or null. */
  best: number | null;
  /** Its epoch, or -1. */
  bestEpoch: number;
  /** Epochs since then. */
  waited: number;
  /** The weights of the best epoch (with `restoreBest`), else null. */
  weights: Record<string, Tensor> | null;
}

/**
 * Watches the loss after every epoch (the validation loss when there is one), keeps a copy of the
 * weights at the best epoch (one copy of every parameter, taken when the loss improves) and says
 * when `patience` epochs have passed without improvement.
 * @example
 * ```ts
 * import { EarlyStopping, Model } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 2 });
 * const stopper = new EarlyStopping({ patience: 1, restoreBest: true });
 * for (const [epoch, loss] of [0.5, 0.4, 0.45, 0.47].entries()) {
 *   if (stopper.observe(epoch, loss, model)) break; // true after 1 epoch without improvement
 * }
 * stopper.restore(model); // the weights of epoch 1; fit({ earlyStopping }) does all this itself
 * ```
 * @category Training
 */
export class EarlyStopping {
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly restoreBest: boolean;
  private best = Infinity;
  private waited = 0;
  private snapshot: Record<string, Tensor> | null = null;
  /** The epoch with the lowest loss so far, or -1. */
  bestEpoch = -1;

  /** @throws TypeError/RangeError for invalid options. */
  constructor(options: EarlyStoppingOptions) {
    checkKeys('earlyStopping', options, ['patience', 'minDelta', 'restoreBest']);
    this.patience = checkInt('earlyStopping.patience', options.patience ?? 5);
    this.minDelta = checkPositive('earlyStopping.minDelta', options.minDelta ?? 0, true);
    this.restoreBest = checkBoolean('earlyStopping.restoreBest', options.restoreBest ?? true);
  }

  /** Records the loss of `epoch`; true when training should stop. A non-finite loss never improves. */
  observe(epoch: number, loss: number, model: Pick<Model, 'stateDict' | 'loadStateDict'>): boolean {
    if (loss < this.best - this.minDelta) {
      this.best = loss;
      this.bestEpoch = epoch;
      this.waited = 0;
      if (this.restoreBest) this.snapshot = model.stateDict();
      return false;
    }
    this.waited++;
    return this.waited >= this.patience;
  }

  /** The state: best loss (null while none is finite), best epoch, epochs waited, best weights. */
  stateDict(): EarlyStoppingState {
    const best = Number.isFinite(this.best) ? this.best : null;
    return { best, bestEpoch: this.bestEpoch, waited: this.waited, weights: this.snapshot };
  }

  /**
   * Puts back a state from {@link stateDict}.
   * @throws TypeError/RangeError for bad values; nothing changes then.
   */
  loadStateDict(state: EarlyStoppingState): void {
    const s = state as Partial<EarlyStoppingState> | null;
    if (typeof s !== 'object' || s === null)
      throw new TypeError(`early stopping state is ${describe(s)}, expected an object`);
    const best = s.best;
    if (best !== null && (typeof best !== 'number' || !Number.isFinite(best)))
      throw new RangeError(
        `early stopping best is ${describe(best)}, expected a finite number or null`,
      );
    const bestEpoch = checkInt('early stopping bestEpoch', s.bestEpoch, -1);
    const waited = checkInt('early stopping waited', s.waited, 0);
    const weights = s.weights ?? null;
    if (weights !== null && typeof weights !== 'object')
      throw new TypeError(
        `early stopping weights are ${describe(weights)}, expected tensors by name`,
      );
    this.best = best ?? Infinity;
    this.bestEpoch = bestEpoch;
    this.waited = waited;
    this.snapshot = weights;
  }

  /** True when {@link restore} will put back weights (with `restoreBest`, once a loss improved). */
  get restoresBest(): boolean {
    return this.snapshot !== null;
  }

  /** Puts back the best epoch's weights (with `restoreBest`); true when it did. */
  restore(model: Pick<Model, 'stateDict' | 'loadStateDict'>): boolean {
    if (this.snapshot === null) return false;
    model.loadStateDict(this.snapshot);
    return true;
  }
}
