import type { FloatArray } from '../tensor/dtype.js';
import { defineLoss, type Loss, type LossOptions, type Reduction } from './loss.js';

/**
 * Mean absolute error, PyTorch's `L1Loss`: per element `|pred − target|`, with gradient
 * `sign(pred − target)` (0 where they are equal). `'mean'` divides by the number of elements.
 * @throws TypeError for an unknown option.
 * @example
 * ```ts
 * import { Tensor, l1Loss } from 'rnnkit';
 * console.log(l1Loss().compute(Tensor.from([[1, -1]]), Tensor.from([[0, 0]])).value); // 1
 * ```
 * @category Losses
 */
export function l1Loss<R extends Reduction = 'mean'>(
  options: LossOptions<R> = {},
): Loss<NoInfer<R>> {
  return defineLoss(
    {
      name: 'l1',
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
          e += Math.abs(d);
          grad[p + i] = Math.sign(d);
        }
        return e;
      },
    },
    options,
  );
}
