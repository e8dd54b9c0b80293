import type { FloatArray } from '../tensor/dtype.js';
import { checkKeys, checkBoolean, checkPositive } from '../tensor/errors.js';
import { BaseOptimizer, coefficient, type Optimizer } from './optimizer.js';

/**
 * Options of {@link rmsprop}.
 * @category Optimizers
 */
export interface RmsPropOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalise by the variance estimate instead of the raw second moment (default false). */
  centered?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * RMSProp with PyTorch's semantics: `v = αv + (1−α)g²`, `d = √v + ε` (centered: `√(v − ḡ²) + ε`),
 * then `p −= lr·g/d`, or with momentum `b = μb + g/d; p −= lr·b`.
 * @example
 * ```ts
 * import { Model, fit, mseLoss, rmsprop } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * fit(model, { inputs: [[[1], [0]]], targets: [[[0], [1]]] }, { loss: mseLoss(), optimizer: rmsprop({ lr: 0.01 }), epochs: 3 });
 * ```
 * @category Optimizers
 */
export function rmsprop(options: RmsPropOptions = {}): Optimizer {
  return new RmsProp(options);
}

class RmsProp extends BaseOptimizer {
  readonly name = 'rmsprop';
  private readonly alpha: number;
  private readonly eps: number;
  private readonly momentum: number;
  private readonly centered: boolean;
  private readonly weightDecay: number;

  constructor(o: RmsPropOptions) {
    checkKeys('rmsprop options', o, ['lr', 'alpha', 'eps', 'momentum', 'centered', 'weightDecay']);
    super(o.lr ?? 1e-2);
    this.alpha = coefficient('alpha', o.alpha, 0.99);
    this.eps = checkPositive('eps', o.eps ?? 1e-8);
    this.momentum = coefficient('momentum', o.momentum, 0);
    this.centered = checkBoolean('centered', o.centered ?? false);
    this.weightDecay = checkPositive('weightDecay', o.weightDecay ?? 0, true);
  }

  protected stateKeys(): readonly string[] {
    const keys = ['square_avg'];
    if (this.centered) keys.push('grad_avg');
    if (this.momentum > 0) keys.push('momentum_buffer');
    return keys;
  }

  protected update(p: FloatArray, grads: FloatArray): void {
    const { alpha, eps, momentum: mu, weightDecay: wd, lr } = this;
    const v = this.state('square_avg', p.length);
    const gAvg = this.centered ? this.state('grad_avg', p.length) : null;
    const buf = mu > 0 ? this.state('momentum_buffer', p.length) : null;
    for (let i = 0; i < p.length; i++) {
      const g = grads[i] + wd * p[i];
      v[i] = alpha * v[i] + (1 - alpha) * g * g;
      let denom: number;
      if (gAvg !== null) {
        gAvg[i] = alpha * gAvg[i] + (1 - alpha) * g;
        denom = Math.sqrt(v[i] - gAvg[i] * gAvg[i]) + eps;
      } else {
        denom = Math.sqrt(v[i]) + eps;
      }
      if (buf !== null) {
        buf[i] = mu * buf[i] + g / denom;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= (lr * g) / denom;
      }
    }
  }
}
