import type { FloatArray } from '../tensor/dtype.js';
import { checkBoolean, checkChoice, checkKeys, checkPositive } from '../tensor/errors.js';
import { defineLoss, type Loss, type LossOptions, type Reduction } from './loss.js';

/**
 * Options of {@link gaussianNllLoss}.
 * @category Losses
 */
export interface GaussianNllOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /**
   * What the second prediction feature holds: `'log'` (default) the log-variance, so any
   * network output is valid; `'value'` the variance itself, which must be >= 0.
   */
  variance?: 'log' | 'value';
  /** Lower clamp of the variance, for stability (default 1e-6, as PyTorch). */
  eps?: number;
  /** Add the constant `0.5·log(2π)` to every step's error (default false, as PyTorch). */
  full?: boolean;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Gaussian negative log-likelihood, PyTorch's `GaussianNLLLoss`: predictions `[..., 2]` hold a
 * mean μ and a variance (or log-variance) per step, the target `[..., 1]` one observed value y,
 * and each step's error is `0.5·(log v + (μ − y)² / v)` with `v = max(variance, eps)`. As in
 * PyTorch, the clamp does not stop the gradient. `'mean'` divides by the number of steps.
 * @throws TypeError/RangeError for bad options; RangeError from `compute` for a negative
 *   variance with `variance: 'value'`.
 * @example
 * ```ts
 * import { Model, adam, fit, gaussianNllLoss } from 'rnnkit';
 * // Outputs per step: [mean, log-variance].
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 2 });
 * const data = { inputs: [[[0.1], [0.2]]], targets: [[[0.2], [0.3]]] };
 * fit(model, data, { loss: gaussianNllLoss(), optimizer: adam(), epochs: 1 });
 * ```
 * @category Losses
 */
export function gaussianNllLoss<R extends Reduction = 'mean'>(
  options: GaussianNllOptions<R> = {},
): Loss<NoInfer<R>> {
  checkKeys('gaussianNll options', options, ['reduction', 'variance', 'eps', 'full']);
  const mode = checkChoice('variance', options.variance ?? 'log', ['log', 'value'] as const);
  const eps = checkPositive('eps', options.eps ?? 1e-6);
  const constant = checkBoolean('full', options.full ?? false) ? HALF_LOG_2PI : 0;
  return defineLoss(
    {
      name: 'gaussian_nll',
      predFeatures: 2,
      targetFeatures: 1,
      meanOver: 'steps',
      step(
        pred: FloatArray,
        p: number,
        _n: number,
        target: FloatArray,
        q: number,
        grad: FloatArray,
        b: number,
        t: number,
      ) {
        const raw = pred[p + 1];
        const v = mode === 'log' ? Math.exp(raw) : raw;
        if (v < 0)
          throw new RangeError(
            `gaussian_nll variance is ${v} at sequence ${b} step ${t}, expected >= 0 (variance: 'log' accepts any output)`,
          );
        const vc = Math.max(v, eps);
        const d = pred[p] - target[q];
        grad[p] = d / vc;
        const dv = 0.5 * (1 / vc - (d * d) / (vc * vc));
        grad[p + 1] = mode === 'log' ? dv * v : dv;
        return 0.5 * (Math.log(vc) + (d * d) / vc) + constant;
      },
    },
    { reduction: options.reduction },
  );
}
