import type { FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { checkChoice, checkKeys, describe } from '../tensor/errors.js';
import { indexOf } from '../nn/validate.js';

/** `'sum'` adds the per-step errors (the BPTT total error); `'mean'` divides by their count. */
export type Reduction = 'mean' | 'sum';

/** A loss value and its gradient with respect to the predictions (same shape). */
export interface LossResult {
  /** The loss, reduced by the loss's reduction. */
  value: number;
  /** d loss / d pred, a new tensor with the predictions' shape (zero at masked steps). */
  grad: Tensor;
}

/**
 * A loss function. Implement this interface for a custom loss, or build one with
 * {@link defineLoss}, which handles masks and reductions for you.
 */
export interface Loss {
  /** Name used in error messages, e.g. `mse`. */
  readonly name: string;
  /** `'mean'` or `'sum'` over the real steps. */
  readonly reduction: Reduction;
  /** Throws a TypeError or RangeError when `target` does not fit predictions of `predShape`. */
  checkTarget(target: Tensor, predShape: readonly number[]): void;
  /**
   * The loss of `pred` against `target` and d loss / d pred. `mask` has one weight per step
   * (`[B*T]`, 1 = real step, 0 = padding) or is null when every step counts.
   */
  compute(pred: Tensor, target: Tensor, mask: FloatArray | null): LossResult;
}

/** The per-step part of a loss, from which {@link defineLoss} builds a {@link Loss}. */
export interface StepLoss {
  /** Name of the loss, used in error messages. */
  name: string;
  /** `'values'`: the target has the predictions' shape. `'classes'`: one class index per step. */
  target: 'values' | 'classes';
  /** Whether `'mean'` divides by the number of elements (steps × features) or of steps. */
  meanOver: 'elements' | 'steps';
  /** Inclusive bounds every target value must lie in, e.g. `[0, 1]` for probabilities. */
  targetRange?: readonly [number, number];
  /**
   * The error of one step: predictions `pred[p .. p+n)` against `target[q ..]` (n values, or
   * one class index). Writes d error / d pred into `grad[p .. p+n)` and returns the error.
   */
  step(
    pred: FloatArray,
    p: number,
    n: number,
    target: FloatArray,
    q: number,
    grad: FloatArray,
  ): number;
}

/** Options shared by the built-in losses. */
export interface LossOptions {
  /** `'mean'` (default) or `'sum'`. */
  reduction?: Reduction;
}

/**
 * Builds a {@link Loss} from a per-step error: padded steps (mask 0) add nothing to the value or
 * the gradient, and `'mean'` divides by the real steps (or their elements) only.
 */
export function defineLoss(spec: StepLoss, options: LossOptions = {}): Loss {
  checkKeys(`${spec.name} options`, options, ['reduction']);
  const reduction = checkChoice('reduction', options.reduction ?? 'mean', ['mean', 'sum'] as const);
  return {
    name: spec.name,
    reduction,
    checkTarget(target: Tensor, predShape: readonly number[]): void {
      checkStepTarget(spec, target, predShape);
    },
    compute(pred: Tensor, target: Tensor, mask: FloatArray | null): LossResult {
      const n = pred.shape[pred.shape.length - 1];
      const steps = pred.size / n;
      const grad = new Tensor(pred.shape, pred.dtype);
      const tw = spec.target === 'classes' ? 1 : n;
      let value = 0;
      let count = 0;
      for (let s = 0; s < steps; s++) {
        if (mask !== null && mask[s] === 0) continue;
        value += spec.step(pred.data, s * n, n, target.data, s * tw, grad.data);
        count++;
      }
      const denom =
        reduction === 'sum' ? 1 : Math.max(1, spec.meanOver === 'elements' ? count * n : count);
      if (denom !== 1) for (let i = 0; i < grad.size; i++) grad.data[i] /= denom;
      return { value: value / denom, grad };
    },
  };
}

function checkStepTarget(spec: StepLoss, target: Tensor, predShape: readonly number[]): void {
  if (!(target instanceof Tensor))
    throw new TypeError(`target is ${describe(target)}, expected a Tensor`);
  const expected = spec.target === 'classes' ? predShape.slice(0, -1) : predShape;
  if (target.shape.length !== expected.length || target.shape.some((s, i) => s !== expected[i])) {
    const what = spec.target === 'classes' ? 'class indices of shape' : 'shape';
    throw new RangeError(
      `target has shape [${target.shape.join(', ')}], ${spec.name} expects ${what} [${expected.join(', ')}]`,
    );
  }
  const classes = predShape[predShape.length - 1];
  const d = target.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v))
      throw new RangeError(
        `target has ${v} at ${indexOf(target.shape, i)}, expected finite numbers`,
      );
    if (spec.target === 'classes' && (!Number.isInteger(v) || v < 0 || v >= classes)) {
      throw new RangeError(
        `target class index ${v} at ${indexOf(target.shape, i)} is out of range: expected an integer in [0, ${classes})`,
      );
    }
    const range = spec.targetRange;
    if (range !== undefined && (v < range[0] || v > range[1])) {
      throw new RangeError(
        `target has ${v} at ${indexOf(target.shape, i)}, ${spec.name} expects values in [${range[0]}, ${range[1]}]`,
      );
    }
  }
}
