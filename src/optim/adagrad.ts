import type { FloatArray } from '../tensor/dtype.js';
import { checkKeys, checkPositive } from '../tensor/errors.js';
import { BaseOptimizer, type Optimizer } from './optimizer.js';

/**
 * Options of {@link adagrad}.
 * @category Optimizers
 */
export interface AdagradOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Learning-rate decay per step (default 0). */
  lrDecay?: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * Adagrad with PyTorch's semantics: `s += g²`, `p −= lr/(1 + (t−1)·decay) · g/(√s + ε)`.
 * @example
 * ```ts
 * import { Model, adagrad, fit, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * fit(model, { inputs: [[[1], [0]]], targets: [[[0], [1]]] }, { loss: mseLoss(), optimizer: adagrad({ lr: 0.1 }), epochs: 3 });
 * ```
 * @category Optimizers
 */
export function adagrad(options: AdagradOptions = {}): Optimizer {
  return new Adagrad(options);
}

class Adagrad extends BaseOptimizer {
  readonly name = 'adagrad';
  private readonly lrDecay: number;
  private readonly initial: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(o: AdagradOptions) {
    checkKeys('adagrad options', o, [
      'lr',
      'lrDecay',
      'initialAccumulatorValue',
      'eps',
      'weightDecay',
    ]);
    super(o.lr ?? 1e-2);
    this.lrDecay = checkPositive('lrDecay', o.lrDecay ?? 0, true);
    this.initial = checkPositive('initialAccumulatorValue', o.initialAccumulatorValue ?? 0, true);
    this.eps = checkPositive('eps', o.eps ?? 1e-10);
    this.weightDecay = checkPositive('weightDecay', o.weightDecay ?? 0, true);
  }

  protected stateKeys(): readonly string[] {
    return ['sum'];
  }

  protected update(p: FloatArray, grads: FloatArray): void {
    const s = this.state('sum', p.length);
    if (this.t === 1 && this.initial !== 0) s.fill(this.initial);
    const clr = this.lr / (1 + (this.t - 1) * this.lrDecay);
    for (let i = 0; i < p.length; i++) {
      const g = grads[i] + this.weightDecay * p[i];
      s[i] += g * g;
      p[i] -= (clr * g) / (Math.sqrt(s[i]) + this.eps);
    }
  }
}
