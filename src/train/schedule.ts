import { checkInt, checkKeys, checkPositive, checkRange, describe } from '../tensor/errors.js';

/**
 * A learning-rate schedule, stepped once per epoch. {@link fit} calls `start(optimizer.lr)` before
 * the first epoch and sets `optimizer.lr = next(loss)` after every epoch but the last, with the
 * epoch's validation loss (the training loss without validation data). A hand-written loop does
 * the same.
 * @category Training
 */
export interface LrSchedule {
  /** The schedule's name, such as `'stepLR'`. */
  readonly name: string;
  /** Restarts the schedule from `baseLr`, the rate of the first epoch. */
  start(baseLr: number): void;
  /** The rate for the next epoch, given the loss of the one that ended. Always finite and > 0. */
  next(loss: number): number;
}

/** Shared core: the base rate and the number of epochs done. */
abstract class CountingSchedule implements LrSchedule {
  abstract readonly name: string;
  protected base = NaN;
  protected epochs = 0;

  start(baseLr: number): void {
    this.base = checkPositive('baseLr', baseLr);
    this.epochs = 0;
  }

  next(_loss: number): number {
    if (Number.isNaN(this.base)) throw new TypeError(`${this.name}: call start(lr) before next()`);
    this.epochs++;
    return this.rate(this.epochs);
  }

  /** The rate after `epochs` epochs. */
  protected abstract rate(epochs: number): number;
}

/**
 * PyTorch's StepLR: the rate is multiplied by `gamma` every `stepSize` epochs.
 * @example
 * ```ts
 * import { Model, adam, fit, mseLoss, stepLR } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const data = { inputs: [[[1], [0]]], targets: [[[0], [1]]] };
 * // lr 0.01 for epochs 0-1, 0.005 for 2-3, ...
 * fit(model, data, { loss: mseLoss(), optimizer: adam({ lr: 0.01 }), epochs: 4, schedule: stepLR({ stepSize: 2, gamma: 0.5 }) });
 * ```
 * @category Training
 */
export function stepLR(options: { stepSize: number; gamma?: number }): LrSchedule {
  checkKeys('stepLR options', options, ['stepSize', 'gamma']);
  const stepSize = checkInt('stepSize', options?.stepSize);
  const gamma = checkGamma(options.gamma ?? 0.1);
  return new (class extends CountingSchedule {
    readonly name = 'stepLR';
    protected rate(epochs: number): number {
      return this.base * gamma ** Math.floor(epochs / stepSize);
    }
  })();
}

/**
 * PyTorch's ExponentialLR: the rate is multiplied by `gamma` every epoch.
 * @example
 * ```ts
 * import { Model, adam, exponentialLR, fit, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const data = { inputs: [[[1], [0]]], targets: [[[0], [1]]] };
 * fit(model, data, { loss: mseLoss(), optimizer: adam(), epochs: 3, schedule: exponentialLR({ gamma: 0.9 }) });
 * ```
 * @category Training
 */
export function exponentialLR(options: { gamma: number }): LrSchedule {
  checkKeys('exponentialLR options', options, ['gamma']);
  const gamma = checkGamma(options?.gamma);
  return new (class extends CountingSchedule {
    readonly name = 'exponentialLR';
    protected rate(epochs: number): number {
      return this.base * gamma ** epochs;
    }
  })();
}

/**
 * PyTorch's CosineAnnealingLR without restarts: from the base rate down to `minLr` along half a
 * cosine over `epochs` epochs, `minLr + (base − minLr)(1 + cos(π t / epochs)) / 2`, then `minLr`.
 * `minLr` defaults to 1 % of the base rate (it must stay > 0 for the optimizers).
 * @example
 * ```ts
 * import { Model, adam, cosineLR, fit, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const data = { inputs: [[[1], [0]]], targets: [[[0], [1]]] };
 * fit(model, data, { loss: mseLoss(), optimizer: adam(), epochs: 5, schedule: cosineLR({ epochs: 5, minLr: 1e-4 }) });
 * ```
 * @category Training
 */
export function cosineLR(options: { epochs: number; minLr?: number }): LrSchedule {
  checkKeys('cosineLR options', options, ['epochs', 'minLr']);
  const span = checkInt('epochs', options?.epochs);
  const minLr = options.minLr === undefined ? null : checkPositive('minLr', options.minLr);
  return new (class extends CountingSchedule {
    readonly name = 'cosineLR';
    protected rate(epochs: number): number {
      const low = minLr ?? this.base / 100;
      const t = Math.min(epochs, span);
      return low + ((this.base - low) * (1 + Math.cos((Math.PI * t) / span))) / 2;
    }
  })();
}

/**
 * Options of {@link reduceOnPlateau} (PyTorch's ReduceLROnPlateau in `min` mode, relative threshold).
 * @category Training
 */
export interface PlateauOptions {
  /** Multiplies the rate when the loss stalls (default 0.1), in (0, 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** An improvement is a loss below `best · (1 − threshold)` (default 1e-4). */
  threshold?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lowest rate (default 0); the rate never reaches 0. */
  minLr?: number;
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the rate by `factor` when the loss has not improved for `patience` epochs.
 * @example
 * ```ts
 * import { Model, adam, fit, mseLoss, reduceOnPlateau } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const data = { inputs: [[[1], [0]]], targets: [[[0], [1]]] };
 * fit(model, data, { loss: mseLoss(), optimizer: adam(), epochs: 5, validation: data, schedule: reduceOnPlateau({ patience: 1 }) });
 * ```
 * @category Training
 */
export function reduceOnPlateau(options: PlateauOptions = {}): LrSchedule {
  checkKeys('reduceOnPlateau options', options, [
    'factor',
    'patience',
    'threshold',
    'cooldown',
    'minLr',
    'eps',
  ]);
  const factor = checkRange('factor', options.factor ?? 0.1, 0, 1);
  if (factor === 0) throw new RangeError('factor is 0, expected a number in (0, 1)');
  const patience = checkInt('patience', options.patience ?? 10, 0);
  const threshold = checkRange('threshold', options.threshold ?? 1e-4, 0, 1);
  const cooldown = checkInt('cooldown', options.cooldown ?? 0, 0);
  const minLr = checkPositive('minLr', options.minLr ?? 0, true);
  const eps = checkPositive('eps', options.eps ?? 1e-8, true);
  return new Plateau(factor, patience, threshold, cooldown, minLr, eps);
}

class Plateau implements LrSchedule {
  readonly name = 'reduceOnPlateau';
  private lr = NaN;
  private best = Infinity;
  private bad = 0;
  private cooling = 0;

  constructor(
    private readonly factor: number,
    private readonly patience: number,
    private readonly threshold: number,
    private readonly cooldown: number,
    private readonly minLr: number,
    private readonly eps: number,
  ) {}

  start(baseLr: number): void {
    this.lr = checkPositive('baseLr', baseLr);
    this.best = Infinity;
    this.bad = 0;
    this.cooling = 0;
  }

  next(loss: number): number {
    if (Number.isNaN(this.lr)) throw new TypeError(`${this.name}: call start(lr) before next()`);
    if (typeof loss !== 'number')
      throw new TypeError(`loss is ${describe(loss)}, expected a number`);
    if (loss < this.best * (1 - this.threshold)) {
      this.best = loss;
      this.bad = 0;
    } else this.bad++;
    if (this.cooling > 0) {
      this.cooling--;
      this.bad = 0;
    }
    if (this.bad > this.patience) {
      const reduced = Math.max(this.lr * this.factor, this.minLr);
      if (this.lr - reduced > this.eps && reduced > 0) this.lr = reduced;
      this.cooling = this.cooldown;
      this.bad = 0;
    }
    return this.lr;
  }
}

function checkGamma(gamma: unknown): number {
  const g = checkRange('gamma', gamma, 0, 1, true);
  if (g === 0) throw new RangeError('gamma is 0, expected a number in (0, 1]');
  return g;
}
