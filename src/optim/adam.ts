import type { FloatArray } from '../tensor/dtype.js';
import { checkKeys, checkPositive } from '../tensor/errors.js';
import { BaseOptimizer, coefficient, type Optimizer } from './optimizer.js';

/**
 * Options of {@link adam} and {@link adamw}.
 * @category Optimizers
 */
export interface AdamOptions {
  /** Learning rate (default 0.001). */
  lr?: number;
  /** Decay rates of the first and second moments (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator after the square root (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * Adam with PyTorch's semantics: `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`,
 * `p −= (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)`.
 * @example
 * ```ts
 * import { Model, adam, fit, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * fit(model, { inputs: [[[1], [0]]], targets: [[[0], [1]]] }, { loss: mseLoss(), optimizer: adam({ lr: 0.01 }), epochs: 3 });
 * ```
 * @category Optimizers
 */
export function adam(options: AdamOptions = {}): Optimizer {
  return new Adam('adam', options);
}

/**
 * AdamW (PyTorch's `AdamW`): Adam with decoupled weight decay, `p −= lr·λ·p` before the Adam
 * update instead of adding `λp` to the gradient. `weightDecay` defaults to 0.01 as in PyTorch.
 * @example
 * ```ts
 * import { Model, adamw, fit, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const optimizer = adamw({ lr: 0.01, weightDecay: 0.01 }); // decoupled weight decay
 * fit(model, { inputs: [[[1], [0]]], targets: [[[0], [1]]] }, { loss: mseLoss(), optimizer, epochs: 3 });
 * ```
 * @category Optimizers
 */
export function adamw(options: AdamOptions = {}): Optimizer {
  return new Adam('adamw', { ...options, weightDecay: options.weightDecay ?? 1e-2 });
}

class Adam extends BaseOptimizer {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(
    readonly name: 'adam' | 'adamw',
    o: AdamOptions,
  ) {
    checkKeys(`${name} options`, o, ['lr', 'betas', 'eps', 'weightDecay']);
    super(o.lr ?? 1e-3);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2)
      throw new TypeError('betas must be a pair [beta1, beta2]');
    this.beta1 = coefficient('betas[0]', betas[0], 0.9);
    this.beta2 = coefficient('betas[1]', betas[1], 0.999);
    this.eps = checkPositive('eps', o.eps ?? 1e-8);
    this.weightDecay = checkPositive('weightDecay', o.weightDecay ?? 0, true);
  }

  protected stateKeys(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected update(p: FloatArray, grads: FloatArray): void {
    const { beta1: b1, beta2: b2, eps } = this;
    const decoupled = this.name === 'adamw';
    const wd = decoupled ? 0 : this.weightDecay;
    const shrink = decoupled ? 1 - this.lr * this.weightDecay : 1;
    const m = this.state('exp_avg', p.length);
    const v = this.state('exp_avg_sq', p.length);
    const stepSize = this.lr / (1 - Math.pow(b1, this.t));
    const root2 = Math.sqrt(1 - Math.pow(b2, this.t));
    for (let i = 0; i < p.length; i++) {
      const g = grads[i] + wd * p[i];
      p[i] *= shrink;
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / root2 + eps);
    }
  }
}
