import type { FloatArray } from '../tensor/dtype.js';
import { defineLoss, type Loss, type LossOptions, type Reduction } from './loss.js';

/**
 * Softmax cross-entropy over class indices: the predictions are logits `[..., C]` and the target
 * holds one class index per step. `'mean'` divides by the number of steps, as PyTorch does.
 * @example
 * ```ts
 * import { Tensor, crossEntropyLoss } from 'rnnkit';
 * const logits = Tensor.from([[2, 0, -1]]); // [B=1, classes=3]
 * console.log(crossEntropyLoss().compute(logits, Tensor.from([0])).value); // -log softmax(logits)[0]
 * ```
 * @category Losses
 */
export function crossEntropyLoss<R extends Reduction = 'mean'>(
  options: LossOptions<R> = {},
): Loss<NoInfer<R>> {
  return defineLoss(
    {
      name: 'cross_entropy',
      target: 'classes',
      meanOver: 'steps',
      step(
        pred: FloatArray,
        p: number,
        n: number,
        target: FloatArray,
        q: number,
        grad: FloatArray,
      ): number {
        let max = -Infinity;
        for (let i = 0; i < n; i++) if (pred[p + i] > max) max = pred[p + i];
        let sum = 0;
        for (let i = 0; i < n; i++) sum += Math.exp(pred[p + i] - max);
        const logZ = max + Math.log(sum);
        const cls = target[q];
        for (let i = 0; i < n; i++)
          grad[p + i] = Math.exp(pred[p + i] - logZ) - (i === cls ? 1 : 0);
        return logZ - pred[p + cls];
      },
    },
    options,
  );
}
