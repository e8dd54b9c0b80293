import { Tensor } from '../tensor/tensor.js';
import { checkInt, checkKeys, describe } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { fromRows, toRows, type Series } from './series.js';
import type { Scaler } from './scaler.js';

/**
 * Options of {@link forecast}.
 * @category Forecasting
 */
export interface ForecastOptions {
  /** The scaler the model was trained with: `history` is scaled by it and the result de-scaled. */
  scaler?: Scaler;
  /** Feed only the last `window` steps (the training windows' length; default: the whole history). */
  window?: number;
}

/**
 * The next `steps` values after `history` (`[T]` values or `[T, F]` rows, in the series' own
 * units), in the same form. A model whose head gives `k * F` outputs (`F` = `inputSize`)
 * predicts `k` steps at once: `k = 1` forecasts recursively, feeding each prediction back;
 * `k > 1` forecasts directly, `k` steps per call, recursively past `k`. The head's output at
 * the window's last step is used (`head: 'last'` or `'sequence'`). Runs `model.predict` (no
 * dropout) once per `k` steps.
 * @throws TypeError for a model without a head or with an embedding; RangeError when its
 *   outputs are not a multiple of its inputs, or for a bad history, step count or option.
 * @category Forecasting
 * @example
 * ```ts
 * import { Model, forecast, Scaler } from 'rnnkit';
 * const history = [3, 5, 4, 6, 5, 7];
 * const scaler = Scaler.fit(history);
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 8, outputSize: 1, head: 'last' });
 * console.log(forecast(model, history, 3, { scaler }).length); // 3 (untrained: values near the mean)
 * ```
 */
export function forecast(
  model: Model,
  history: Series,
  steps: number,
  options: ForecastOptions = {},
): number[] | number[][] {
  checkKeys('forecast options', options, ['scaler', 'window']);
  const k = stepsPerCall(model);
  checkInt('steps', steps, 1);
  const { scaler } = options;
  const scaled = scaler ? scaler.transform(history) : history;
  const { rows, features: F, flat } = toRows('history', scaled);
  if (F !== model.options.inputSize) {
    throw new RangeError(
      `history has ${F} features per step, the model expects ${model.options.inputSize}`,
    );
  }
  const window = options.window === undefined ? rows.length : checkInt('window', options.window, 1);
  const seq = rows.slice();
  const out: number[][] = [];
  while (out.length < steps) {
    const recent = seq.slice(-window);
    const x = new Tensor([1, recent.length, F], model.options.dtype);
    recent.forEach((r, t) => x.data.set(r, t * F));
    const y = model.predict(x).data;
    const last = y.length - k * F;
    for (let h = 0; h < k && out.length < steps; h++) {
      const row = Array.from(y.subarray(last + h * F, last + (h + 1) * F));
      out.push(row);
      seq.push(row);
    }
  }
  const result = fromRows(out, flat);
  return scaler ? scaler.inverse(result) : result;
}

/**
 * The seasonal-naive forecast, a baseline any forecaster should beat: each of the next `steps`
 * values repeats the value one `period` earlier (`period = 1`: the last value, held).
 * @throws RangeError when `history` is shorter than `period`.
 * @category Forecasting
 * @example
 * ```ts
 * import { seasonalNaive } from 'rnnkit';
 * console.log(seasonalNaive([1, 2, 3, 10, 20, 30], 4, 3)); // [10, 20, 30, 10]
 * ```
 */
export function seasonalNaive(
  history: Series,
  steps: number,
  period: number,
): number[] | number[][] {
  checkInt('steps', steps, 1);
  checkInt('period', period, 1);
  const { rows, flat } = toRows('history', history, period);
  const season = rows.slice(-period);
  return fromRows(
    Array.from({ length: steps }, (_, i) => season[i % period]),
    flat,
  );
}

/**
 * The errors of a forecast against what happened.
 * @category Forecasting
 */
export interface ForecastError {
  /** Mean absolute error. */
  mae: number;
  /** Root mean squared error. */
  rmse: number;
}

/**
 * Mean absolute and root mean squared error of `predicted` against `actual` (same form and
 * length), over every step and feature.
 * @throws RangeError when the two differ in length or features.
 * @category Forecasting
 * @example
 * ```ts
 * import { forecastError } from 'rnnkit';
 * console.log(forecastError([1, 2, 3], [1, 2, 6])); // { mae: 1, rmse: 1.732… }
 * ```
 */
export function forecastError(actual: Series, predicted: Series): ForecastError {
  const a = toRows('actual', actual);
  const p = toRows('predicted', predicted);
  if (a.rows.length !== p.rows.length || a.features !== p.features) {
    throw new RangeError(
      `predicted has ${p.rows.length} steps of ${p.features}, expected ${a.rows.length} of ${a.features} like actual`,
    );
  }
  let abs = 0;
  let sq = 0;
  a.rows.forEach((row, t) =>
    row.forEach((v, f) => {
      const e = p.rows[t][f] - v;
      abs += Math.abs(e);
      sq += e * e;
    }),
  );
  const n = a.rows.length * a.features;
  return { mae: abs / n, rmse: Math.sqrt(sq / n) };
}

function stepsPerCall(model: Model): number {
  const { outputSize: O, inputSize: F, embedding } = model.options;
  if (O === null || embedding !== null) {
    throw new TypeError(
      `model has outputSize ${describe(O)} and embedding ${describe(embedding)}, expected a head over real-valued inputs`,
    );
  }
  if (O % F !== 0) {
    throw new RangeError(
      `model has outputSize ${O}, expected a multiple of its inputSize ${F} (steps of ${F} features)`,
    );
  }
  return O / F;
}
