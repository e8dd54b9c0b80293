import type { FloatArray } from '../tensor/dtype.js';
import { defineLoss, type Loss, type LossOptions, type Reduction } from './loss.js';

/**
 * Mean squared error `Σ (pred − target)²`; `'mean'` divides by the number of elements, as PyTorch does.
 * @example
 * ```ts
 * import { Tensor, mseLoss } from 'rnnkit';
 * const { value, grad } = mseLoss().compute(Tensor.from([[1, 3]]), Tensor.from([[0, 3]]));
 * console.log(value, Array.from(grad.data)); // 0.5 [1, 0]
 * ```
 * @category Losses
 */
export function mseLoss<R extends Reduction = 'mean'>(
  options: LossOptions<R> = {},
): Loss<NoInfer<R>> {
  return defineLoss(
    {
      name: 'mse',
      target: 'values',
      meanOver: 'elements',
      step(
        pred: FloatArray,
        p: number,
        n: number,
        target: FloatArray,
        q: number,
        grad: FloatArray,
      ): number {
        let e = 0;
        for (let i = 0; i < n; i++) {
          const d = pred[p + i] - target[q + i];
          e += d * d;
          grad[p + i] = 2 * d;
        }
        return e;
      },
    },
    options,
  );
}
