import type { Tensor } from '../tensor/tensor.js';
import type { Model } from '../model/model.js';
import { checkBoolean, checkInt, checkKeys, checkPositive } from '../tensor/errors.js';

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

  /** Puts back the best epoch's weights (with `restoreBest`); true when it did. */
  restore(model: Pick<Model, 'stateDict' | 'loadStateDict'>): boolean {
    if (this.snapshot === null) return false;
    model.loadStateDict(this.snapshot);
    return true;
  }
}
