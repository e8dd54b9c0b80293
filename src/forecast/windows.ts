import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { checkInt, checkKeys } from '../tensor/errors.js';
import type { Dataset } from '../train/dataset.js';
import { toRows, type Series } from './series.js';

/**
 * How {@link slidingWindows} cuts a series.
 * @category Forecasting
 */
export interface WindowOptions {
  /** Steps in each input window (T). */
  input: number;
  /** Steps after each window to predict (default 1): the targets hold `horizon * F` values. */
  horizon?: number;
  /** Steps from one window's start to the next (default 1). */
  stride?: number;
  /** Element type of the tensors (default `'float32'`, a model's default dtype). */
  dtype?: DType;
}

/**
 * What {@link slidingWindows} returns: a `Dataset` whose inputs and targets are tensors.
 * @category Forecasting
 */
export interface WindowedData extends Dataset {
  /** The windows `[N, input, F]`. */
  inputs: Tensor;
  /** The `horizon` steps after each window, `[N, horizon * F]`, step-major. */
  targets: Tensor;
}

/**
 * Cuts a series (`[T]` values or `[T, F]` rows) into overlapping windows: inputs
 * `[N, input, F]` and, for a model with `head: 'last'` and `outputSize: horizon * F`, targets
 * `[N, horizon * F]` holding the next `horizon` steps, step-major. `N = floor((T - input -
 * horizon) / stride) + 1`. Scale the series first ({@link Scaler}). Allocates both tensors.
 * @throws TypeError/RangeError for a bad series or option, or a series too short for one window.
 * @category Forecasting
 * @example
 * ```ts
 * import { slidingWindows } from 'rnnkit';
 * const data = slidingWindows([1, 2, 3, 4, 5, 6], { input: 3, horizon: 2 });
 * console.log(data.inputs.shape, data.targets.toArray()); // [2, 3, 1] [[4, 5], [5, 6]]
 * ```
 */
export function slidingWindows(series: Series, options: WindowOptions): WindowedData {
  checkKeys('window options', options, ['input', 'horizon', 'stride', 'dtype']);
  const input = checkInt('input', options?.input, 1);
  const horizon = checkInt('horizon', options.horizon ?? 1, 1);
  const stride = checkInt('stride', options.stride ?? 1, 1);
  const { rows, features: F } = toRows('series', series, input + horizon);
  const N = Math.floor((rows.length - input - horizon) / stride) + 1;
  const dtype = options.dtype ?? 'float32';
  const inputs = new Tensor([N, input, F], dtype);
  const targets = new Tensor([N, horizon * F], dtype);
  for (let n = 0; n < N; n++) {
    const start = n * stride;
    for (let t = 0; t < input; t++) inputs.data.set(rows[start + t], (n * input + t) * F);
    for (let h = 0; h < horizon; h++)
      targets.data.set(rows[start + input + h], (n * horizon + h) * F);
  }
  return { inputs, targets };
}
