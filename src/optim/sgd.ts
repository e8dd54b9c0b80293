import type { FloatArray } from '../tensor/dtype.js';
import { checkKeys, checkBoolean, checkPositive, describe } from '../tensor/errors.js';
import { BaseOptimizer, coefficient, type Optimizer } from './optimizer.js';

/**
 * Options of {@link sgd}: `lr` is required.
 * @category Optimizers
 */
export interface SgdOptions {
  /** Learning rate: finite and > 0. */
  lr: number;
  /** Momentum factor μ in [0, 1) (default 0). */
  momentum?: number;
  /** Dampening τ in [0, 1) of the momentum (default 0). */
  dampening?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and no dampening). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with PyTorch's semantics:
 * `g += λp`; `v = g` at the first step, then `v = μv + (1−τ)g`; `g = g + μv` (Nesterov) or `v`; `p −= lr·g`.
 * @example
 * ```ts
 * import { Model, sgd, fit, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const optimizer = sgd({ lr: 0.1, momentum: 0.9 });
 * fit(model, { inputs: [[[1], [0]]], targets: [[[0], [1]]] }, { loss: mseLoss(), optimizer, epochs: 3 });
 * ```
 * @category Optimizers
 */
export function sgd(options: SgdOptions): Optimizer {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(
      `sgd options are ${describe(options)}, expected { lr, ... } with a learning rate, e.g. sgd({ lr: 0.01 })`,
    );
  }
  checkKeys('sgd options', options, ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
  if (options.lr === undefined) {
    throw new TypeError('sgd needs a learning rate: sgd({ lr: 0.01 })');
  }
  return new Sgd(options);
}

class Sgd extends BaseOptimizer {
  readonly name = 'sgd';
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly nesterov: boolean;
  private readonly weightDecay: number;

  constructor(o: SgdOptions) {
    checkKeys('sgd options', o, ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
    super(o.lr);
    this.momentum = coefficient('momentum', o.momentum, 0);
    this.dampening = coefficient('dampening', o.dampening, 0);
    this.nesterov = checkBoolean('nesterov', o.nesterov ?? false);
    this.weightDecay = checkPositive('weightDecay', o.weightDecay ?? 0, true);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new RangeError('nesterov needs momentum > 0 and dampening 0');
    }
  }

  protected stateKeys(): readonly string[] {
    return this.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(p: FloatArray, grads: FloatArray): void {
    const { lr, momentum: mu, dampening, nesterov, weightDecay: wd } = this;
    const v = mu !== 0 ? this.state('momentum_buffer', p.length) : null;
    for (let i = 0; i < p.length; i++) {
      let g = grads[i] + wd * p[i];
      if (v !== null) {
        v[i] = this.t === 1 ? g : mu * v[i] + (1 - dampening) * g;
        g = nesterov ? g + mu * v[i] : v[i];
      }
      p[i] -= lr * g;
    }
  }
}
