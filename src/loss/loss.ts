import { Tensor } from '../tensor/tensor.js';
import { checkChoice, checkKeys, describe } from '../tensor/errors.js';
import { indexOf } from '../nn/validate.js';
import { checkStepLoss, type StepLoss } from './spec.js';
import { combineStepValues, toStepValues, type StepValues } from './step-weights.js';

export type { StepFunction, StepLoss } from './spec.js';
export type { StepValues } from './step-weights.js';

/**
 * `'sum'` adds the per-step errors (the BPTT total error); `'mean'` divides by the total weight
 * of the real steps; `'none'` keeps the per-step errors (for evaluation and plots, not training).
 * @category Losses
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * A loss value, its gradient with respect to the predictions, and the per-step errors.
 * @category Losses
 */
export interface LossResult {
  /** The reduced loss; with `'none'`, the sum of the per-step errors. */
  value: number;
  /** d value / d pred, the predictions' shape. */
  grad: Tensor;
  /**
   * Each step's error times its weight, `[B, T]` (`[B]` for a last-step head), 0 at masked and
   * padded steps. Losses built by {@link defineLoss} always give it; `'none'` needs it.
   */
  steps?: Tensor;
}

/**
 * A loss function. Implement this interface for a custom loss, or build one with
 * {@link defineLoss}, which handles masks, sample weights and reductions for you.
 * @category Losses
 */
export interface Loss<R extends Reduction = Reduction> {
  /** Name used in error messages, e.g. `mse`. */
  readonly name: string;
  /** How the per-step errors are reduced: `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: R;
  /** Throws a TypeError or RangeError when `target` does not fit predictions of `predShape`. */
  checkTarget(target: Tensor, predShape: readonly number[]): void;
  /**
   * The loss of `pred` against `target` and d loss / d pred. `mask` (0 = step ignored) has one
   * value per step: shape `[B, T]` (`[B]` for a last-step head) or a flat array of `B·T`.
   * `weights` has one value per step or per sequence (`[B]`). Allocates the gradient.
   * @throws RangeError for a mask or weights of another shape, or with bad entries.
   */
  compute(
    pred: Tensor,
    target: Tensor,
    mask?: StepValues | null,
    weights?: StepValues | null,
  ): LossResult;
}

/**
 * Options shared by the built-in losses.
 * @category Losses
 */
export interface LossOptions<R extends Reduction = Reduction> {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: R;
}

/**
 * Builds a {@link Loss} from the error of one step: masked and padded steps add nothing to the
 * value or the gradient, sample weights multiply each step's error, and `'mean'` divides by the
 * total weight of the real steps (times the prediction's features with `meanOver: 'elements'`),
 * PyTorch's weighted-mean convention. The step function is called once per real step.
 * @throws TypeError or RangeError for an invalid spec or options (see {@link StepLoss}).
 * @example
 * ```ts
 * import { Tensor, defineLoss } from 'rnnkit';
 * // Squared error weighted twice: the error of one step and its gradient.
 * const double = defineLoss({
 *   name: 'doubleMse',
 *   meanOver: 'elements',
 *   step(pred, p, n, target, q, grad) {
 *     let sum = 0;
 *     for (let i = 0; i < n; i++) {
 *       const d = pred[p + i] - target[q + i];
 *       sum += 2 * d * d;
 *       grad[p + i] = 4 * d;
 *     }
 *     return sum;
 *   },
 * });
 * console.log(double.compute(Tensor.from([[1, 2]]), Tensor.from([[0, 2]])).value); // 1
 * ```
 * @category Losses
 */
export function defineLoss<R extends Reduction = 'mean'>(
  spec: StepLoss,
  options: LossOptions<R> = {},
): Loss<NoInfer<R>> {
  const s = checkStepLoss(spec);
  checkKeys(`${s.name} options`, options, ['reduction']);
  const reduction = checkChoice('reduction', options.reduction ?? 'mean', [
    'mean',
    'sum',
    'none',
  ] as const) as R;
  return {
    name: s.name,
    reduction,
    checkTarget(target: Tensor, predShape: readonly number[]): void {
      checkStepTarget(s, target, predShape);
    },
    compute(pred, target, mask = null, weights = null): LossResult {
      if (!(pred instanceof Tensor))
        throw new TypeError(`pred is ${describe(pred)}, expected a Tensor`);
      checkTargetShape(s, target, pred.shape);
      const stepShape = pred.shape.slice(0, -1);
      const factor = combineStepValues(
        toStepValues('mask', mask, stepShape),
        toStepValues('weights', weights, stepShape),
      );
      return reduce(s, reduction, pred, target, factor);
    },
  };
}

function reduce(
  s: StepLoss,
  reduction: Reduction,
  pred: Tensor,
  target: Tensor,
  factor: Float64Array | null,
): LossResult {
  const n = pred.shape[pred.shape.length - 1];
  const m = s.target === 'classes' ? 1 : (s.targetFeatures ?? n);
  const count = pred.size / n;
  const perSequence = count / pred.shape[0];
  const grad = new Tensor(pred.shape, pred.dtype);
  const steps = new Tensor(pred.shape.slice(0, -1), pred.dtype);
  const g = grad.data;
  let value = 0;
  let weight = 0;
  for (let k = 0; k < count; k++) {
    const w = factor === null ? 1 : factor[k];
    if (w === 0) continue;
    const b = Math.floor(k / perSequence);
    const e = s.step(pred.data, k * n, n, target.data, k * m, g, b, k - b * perSequence);
    if (w !== 1) for (let i = k * n; i < (k + 1) * n; i++) g[i] *= w;
    steps.data[k] = w * e;
    value += w * e;
    weight += w;
  }
  const per = s.meanOver === 'elements' ? n : 1;
  const denom = reduction === 'mean' && weight > 0 ? weight * per : 1;
  // One multiplication a gradient element (a division costs several times more).
  const scale = 1 / denom;
  if (denom !== 1) for (let i = 0; i < g.length; i++) g[i] *= scale;
  return { value: value / denom, grad, steps };
}

/** The shape a target must have for predictions of `predShape`. */
function targetShape(s: StepLoss, predShape: readonly number[]): number[] {
  const stepShape = predShape.slice(0, -1);
  if (s.target === 'classes') return stepShape;
  return [...stepShape, s.targetFeatures ?? predShape[predShape.length - 1]];
}

function checkTargetShape(s: StepLoss, target: unknown, predShape: readonly number[]): void {
  if (!(target instanceof Tensor))
    throw new TypeError(`target is ${describe(target)}, expected a Tensor`);
  const n = predShape[predShape.length - 1];
  if (s.predFeatures !== undefined && n !== s.predFeatures) {
    throw new RangeError(
      `predictions have ${n} features per step, ${s.name} expects ${s.predFeatures}`,
    );
  }
  const expected = targetShape(s, predShape);
  if (target.shape.length !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    const what = s.target === 'classes' ? 'class indices of shape' : 'shape';
    throw new RangeError(
      `target has shape [${target.shape.join(', ')}], ${s.name} expects ${what} [${expected.join(', ')}]`,
    );
  }
}

function checkStepTarget(s: StepLoss, target: Tensor, predShape: readonly number[]): void {
  checkTargetShape(s, target, predShape);
  const classes = predShape[predShape.length - 1];
  const d = target.data;
  const range = s.targetRange;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v))
      throw new RangeError(
        `target has ${v} at ${indexOf(target.shape, i)}, expected finite numbers`,
      );
    if (s.target === 'classes' && (!Number.isInteger(v) || v < 0 || v >= classes)) {
      throw new RangeError(
        `target class index ${v} at ${indexOf(target.shape, i)} is out of range: expected an integer in [0, ${classes})`,
      );
    }
    if (range !== undefined && (v < range[0] || v > range[1])) {
      throw new RangeError(
        `target has ${v} at ${indexOf(target.shape, i)}, ${s.name} expects values in [${range[0]}, ${range[1]}]`,
      );
    }
  }
}

/**
 * Throws a TypeError unless `loss` is a {@link Loss}; with `scalar`, also unless its reduction
 * gives one number (`'mean'` or `'sum'`), as training and gradient flow need.
 */
export function checkLoss(loss: unknown, scalar: boolean, what = 'loss'): Loss {
  const l = loss as Partial<Loss> | null | undefined;
  if (
    typeof l !== 'object' ||
    l === null ||
    typeof l.compute !== 'function' ||
    typeof l.checkTarget !== 'function'
  ) {
    throw new TypeError(`${what} is ${describe(loss)}, expected a Loss such as mseLoss()`);
  }
  if (scalar && l.reduction === 'none') {
    throw new TypeError(
      `${what} has reduction 'none' (per-step losses); this needs one number: use 'mean' or 'sum'`,
    );
  }
  return l as Loss;
}
