import { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';
import { checkKeys, checkPositive, describe } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { checkLoss, type Loss, type StepValues } from '../loss/loss.js';
import { lossOf, prepareBatch, type Batch, type PreparedBatch } from '../train/step.js';

/**
 * Options of {@link gradCheck}.
 * @category Checks
 */
export interface GradCheckOptions {
  /**
   * The loss whose gradient is checked; the model's output is scored against the batch's target.
   */
  loss: Loss;
  /** Finite-difference step (default 1e-6). */
  epsilon?: number;
  /** Largest accepted error, relative to each tensor's largest gradient (default 1e-6). */
  tolerance?: number;
}

/**
 * The comparison for one tensor: analytic gradient against central differences.
 * @category Checks
 */
export interface GradCheckEntry {
  /**
   * What was checked: a parameter's name (e.g. `rnn.weight_hh_l0`), `input`, `h0`, `c0` or
   * `context`.
   */
  name: string;
  /** Largest |analytic − numeric| over the tensor's elements. */
  maxAbsDiff: number;
  /** Largest |numeric| (at least 1e-12): the scale the difference is measured against. */
  scale: number;
  /** maxAbsDiff / scale. */
  error: number;
}

/**
 * What {@link gradCheck} found.
 * @category Checks
 */
export interface GradCheckResult {
  /** True when every entry's error is at most the tolerance. */
  passed: boolean;
  /** The largest error over every entry. */
  maxError: number;
  /** One comparison per checked tensor. */
  entries: GradCheckEntry[];
}

/**
 * Checks the model's backpropagated gradients against central finite differences
 * `(L(θ+ε) − L(θ−ε)) / 2ε` on every element of every parameter, of the input, and of `h0`,
 * `c0` and `context` when the batch supplies them. Needs a `float64` model. The parameters
 * are restored afterwards; it costs two forward passes per element, so use small sizes.
 * @example
 * ```ts
 * import { Model, gradCheck, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 1, dtype: 'float64' });
 * const batch = { input: [[[0.1, 0.2], [0.3, -0.1]]], target: [[[0.5], [0.2]]] };
 * console.log(gradCheck(model, batch, { loss: mseLoss() }).ok); // true: backward matches finite differences
 * ```
 * @category Checks
 */
export function gradCheck(model: Model, batch: Batch, options: GradCheckOptions): GradCheckResult {
  checkKeys('gradCheck options', options, ['loss', 'epsilon', 'tolerance']);
  if (model.options.dtype !== 'float64') {
    throw new TypeError(
      `gradCheck needs a float64 model, this one is ${model.options.dtype}: build it with dtype 'float64'`,
    );
  }
  const loss = checkLoss(options.loss, false);
  const eps = checkPositive('epsilon', options.epsilon ?? 1e-6);
  const tol = checkPositive('tolerance', options.tolerance ?? 1e-6);
  const prepared = prepareBatch(model, batch, loss);
  const inputs = collectInputs(prepared);
  const evalLoss = (): number => lossOf(model, prepared, loss).value;

  const { grad } = lossOf(model, prepared, loss);
  model.zeroGrad();
  const back = model.backward(grad);
  const entries: GradCheckEntry[] = [];
  for (const p of model.params.list) {
    const analytic = model.params.gradView(p).slice();
    entries.push(compare(p.name, analytic, model.params.view(p), eps, evalLoss));
  }
  const analyticInputs: Record<string, Tensor | null> = {
    input: back.input,
    h0: back.h0,
    c0: back.c0,
    context: back.context,
  };
  for (const [name, values] of inputs) {
    const a = analyticInputs[name];
    if (a !== null && a !== undefined) entries.push(compare(name, a.data, values, eps, evalLoss));
  }
  const maxError = Math.max(...entries.map((e) => e.error));
  return { passed: maxError <= tol, maxError, entries };
}

/**
 * Options of {@link gradCheckLoss}.
 * @category Checks
 */
export interface GradCheckLossOptions {
  /** 0/1 per step, `[B, T]` (`[B]` without a time axis) or a flat array of `B·T`. */
  mask?: StepValues | null;
  /** Sample weights, one per step or one per sequence (`[B]`). */
  weights?: StepValues | null;
  /** Finite-difference step (default 1e-6). */
  epsilon?: number;
  /** Largest accepted error, relative to the largest numeric gradient (default 1e-6). */
  tolerance?: number;
}

/**
 * Checks a loss's gradient with respect to the predictions `pred` (a float64 tensor) against
 * central finite differences, with the given mask and weights. The result has one entry, named
 * after the loss; `pred` is not changed (the check works on a copy).
 * @throws TypeError/RangeError for a non-float64 `pred`, a target that does not fit, or a bad
 *   mask, weights or option.
 * @example
 * ```ts
 * import { Tensor, gradCheckLoss, huberLoss } from 'rnnkit';
 * const pred = Tensor.from([[0.3, 2]], 'float64');
 * const target = Tensor.from([[0, 0]], 'float64');
 * console.log(gradCheckLoss(huberLoss(), pred, target).ok); // true
 * ```
 * @category Checks
 */
export function gradCheckLoss(
  loss: Loss,
  pred: Tensor,
  target: Tensor,
  options: GradCheckLossOptions = {},
): GradCheckResult {
  if (
    typeof options !== 'object' ||
    options === null ||
    Array.isArray(options) ||
    ArrayBuffer.isView(options) ||
    options instanceof Tensor
  ) {
    throw new TypeError(
      `gradCheckLoss options is ${describe(options)}, expected { mask?, weights?, epsilon?, tolerance? }`,
    );
  }
  checkKeys('gradCheckLoss options', options, ['mask', 'weights', 'epsilon', 'tolerance']);
  checkLoss(loss, false);
  if (!(pred instanceof Tensor) || pred.dtype !== 'float64') {
    throw new TypeError(`pred is ${describe(pred)}, expected a float64 Tensor`);
  }
  const eps = checkPositive('epsilon', options.epsilon ?? 1e-6);
  const tol = checkPositive('tolerance', options.tolerance ?? 1e-6);
  loss.checkTarget(target, pred.shape);
  const { mask = null, weights = null } = options;
  const work = pred.clone();
  const analytic = loss.compute(work, target, mask, weights).grad.data;
  const evalLoss = (): number => loss.compute(work, target, mask, weights).value;
  const entry = compare(loss.name, analytic, work.data, eps, evalLoss);
  return { passed: entry.error <= tol, maxError: entry.error, entries: [entry] };
}

function collectInputs(b: PreparedBatch): Array<[string, FloatArray]> {
  const out: Array<[string, FloatArray]> = [['input', b.input.data]];
  for (const name of ['h0', 'c0', 'context'] as const) {
    const v = b.forward[name];
    if (v instanceof Tensor) out.push([name, v.data]);
    else if (v !== undefined) {
      const t = Tensor.from(v, 'float64');
      b.forward[name] = t;
      out.push([name, t.data]);
    }
  }
  return out;
}

function compare(
  name: string,
  analytic: ArrayLike<number>,
  values: FloatArray,
  eps: number,
  evalLoss: () => number,
): GradCheckEntry {
  let maxAbsDiff = 0;
  let scale = 1e-12;
  for (let i = 0; i < values.length; i++) {
    const keep = values[i];
    values[i] = keep + eps;
    const up = evalLoss();
    values[i] = keep - eps;
    const down = evalLoss();
    values[i] = keep;
    const numeric = (up - down) / (2 * eps);
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(numeric - analytic[i]));
    scale = Math.max(scale, Math.abs(numeric));
  }
  return { name, maxAbsDiff, scale, error: maxAbsDiff / scale };
}
