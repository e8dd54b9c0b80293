import type { Tensor } from '../tensor/tensor.js';
import { checkInt, checkKeys } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { checkLoss, type Loss } from '../loss/loss.js';
import { MetricSums, type MetricName, type Metrics } from './metrics.js';
import { meanLoss, metricsFor, stepLosses } from './evaluate.js';
import { toTable, type Dataset } from './dataset.js';

/**
 * What {@link evaluate} returns when given options.
 * @category Training
 */
export interface Evaluation {
  /** Mean loss over the dataset. */
  loss: number;
  /** Each requested metric over every real step. */
  metrics: Metrics;
}

/**
 * Options of {@link evaluate} besides the batch size alone.
 * @category Training
 */
export interface EvaluateOptions {
  /** Sequences per batch (default 32). */
  batchSize?: number;
  /** Metrics to compute besides the loss. */
  metrics?: MetricName[];
  /** Run each batch in chunks of this many steps, carrying the state (as `fit` with `tbptt`). */
  tbptt?: number;
}

/**
 * Mean loss of `model` on `data` (weighted by batch size), in batches, without changing any
 * weight. With `'mean'` reduction and padded sequences or sample weights, each batch's mean counts
 * its own real steps and weights. With `'none'` reduction, the per-step errors instead: a float64 tensor `[N, T]` (`[N]` with a
 * last-step head), 0 at padded and masked steps.
 * @throws TypeError when `loss` is missing or not a Loss; TypeError/RangeError for invalid data.
 * @example
 * ```ts
 * import { Model, evaluate, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const data = { inputs: [[[0], [1]]], targets: [[[1], [0]]] };
 * console.log(evaluate(model, data, mseLoss())); // mean loss, no update, no dropout
 * ```
 * @category Training
 */
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss<'mean' | 'sum'>,
  batchSize?: number,
): number;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss<'none'>,
  batchSize?: number,
): Tensor;
/**
 * {@link evaluate} with options: the mean loss and each of `metrics` over every real step;
 * with `tbptt`, chunk by chunk with the state carried, as `fit` validates with it.
 * @throws TypeError for a loss with reduction 'none'.
 */
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss,
  options: EvaluateOptions,
): Evaluation;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss,
  batchSize?: number,
): number | Tensor;
export function evaluate(
  model: Model,
  data: Dataset,
  loss: Loss,
  options: number | EvaluateOptions = 32,
): number | Tensor | Evaluation {
  checkLoss(loss, false);
  if (typeof options === 'number') {
    checkInt('batchSize', options);
    const table = toTable(model, data);
    if (loss.reduction === 'none') return stepLosses(model, table, loss, options);
    return meanLoss(model, table, loss, options);
  }
  if (loss.reduction === 'none')
    throw new TypeError(
      "evaluate with options needs a loss with reduction 'mean' or 'sum', not 'none'",
    );
  checkKeys('evaluate options', options, ['batchSize', 'metrics', 'tbptt']);
  const batchSize = checkInt('batchSize', options.batchSize ?? 32);
  const chunk = options.tbptt === undefined ? null : checkInt('tbptt', options.tbptt);
  const table = toTable(model, data);
  const names = options.metrics === undefined ? [] : options.metrics;
  const sums = new MetricSums(metricsFor(model, table, loss, names));
  return { loss: meanLoss(model, table, loss, batchSize, sums, chunk), metrics: sums.result() };
}
