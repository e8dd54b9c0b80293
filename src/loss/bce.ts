import type { FloatArray } from '../tensor/dtype.js';
import { defineLoss, type Loss, type LossOptions, type Reduction } from './loss.js';

/**
 * Binary cross-entropy on logits: `max(x, 0) − x·y + log(1 + e^−|x|)` per element, with
 * targets y in [0, 1]; stable for large |x|. `'mean'` divides by the number of elements.
 * @example
 * ```ts
 * import { Tensor, bceWithLogitsLoss } from 'rnnkit';
 * console.log(bceWithLogitsLoss().compute(Tensor.from([[0]]), Tensor.from([[1]])).value); // log 2
 * ```
 * @category Losses
 */
export function bceWithLogitsLoss<R extends Reduction = 'mean'>(
  options: LossOptions<R> = {},
): Loss<NoInfer<R>> {
  return defineLoss(
    {
      name: 'bce_with_logits',
      target: 'values',
      meanOver: 'elements',
      targetRange: [0, 1],
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
          const x = pred[p + i];
          const y = target[q + i];
          e += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
          const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
          grad[p + i] = s - y;
        }
        return e;
      },
    },
    options,
  );
}
