import type { FloatArray } from '../tensor/dtype.js';
import { checkKeys, checkPositive } from '../tensor/errors.js';
import { defineLoss, type Loss, type LossOptions, type Reduction } from './loss.js';

/**
 * Options of {@link huberLoss}.
 * @category Losses
 */
export interface HuberOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Where the loss turns from quadratic to linear (default 1, > 0). */
  delta?: number;
}

/**
 * Huber loss (smooth L1), PyTorch's `HuberLoss`: per element `0.5·d²` when `|d| < delta`, else
 * `delta·(|d| − 0.5·delta)`, with `d = pred − target`. `'mean'` divides by the number of elements.
 * @throws TypeError/RangeError for an unknown option or a `delta` that is not a finite number > 0.
 * @example
 * ```ts
 * import { Tensor, huberLoss } from 'rnnkit';
 * console.log(huberLoss({ delta: 1 }).compute(Tensor.from([[3]]), Tensor.from([[0]])).value); // 2.5: linear past delta
 * ```
 * @category Losses
 */
export function huberLoss<R extends Reduction = 'mean'>(
  options: HuberOptions<R> = {},
): Loss<NoInfer<R>> {
  checkKeys('huber options', options, ['reduction', 'delta']);
  const delta = checkPositive('delta', options.delta ?? 1);
  return defineLoss(
    {
      name: 'huber',
      meanOver: 'elements',
      step(
        pred: FloatArray,
        p: number,
        n: number,
        target: FloatArray,
        q: number,
        grad: FloatArray,
      ) {
        let e = 0;
        for (let i = 0; i < n; i++) {
          const d = pred[p + i] - target[q + i];
          const a = Math.abs(d);
          e += a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
          grad[p + i] = a < delta ? d : d > 0 ? delta : -delta;
        }
        return e;
      },
    },
    { reduction: options.reduction },
  );
}
