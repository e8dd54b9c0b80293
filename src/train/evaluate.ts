import { Tensor } from '../tensor/tensor.js';
import type { Model } from '../model/model.js';
import type { Loss } from '../loss/loss.js';
import { lossOf, prepareBatch, type Batch } from './step.js';
import { checkMetrics, type MetricName, type MetricSums } from './metrics.js';
import { chunkedLoss } from './tbptt.js';

/** Rows of a dataset, gathered into batches. */
export interface RowSource {
  N: number;
  batch(rows: readonly number[]): Batch;
}

/**
 * Each step's error over every row of `table`, `[N, T]` (`[N]` with a last-step head): the
 * loss's per-step errors times the sample weights, 0 at masked and padded steps. Runs the model
 * forward in batches of `batchSize` rows, in evaluation mode; changes no weight. Allocates the result.
 * @throws TypeError when the loss gives no per-step errors.
 */
export function stepLosses(model: Model, table: RowSource, loss: Loss, batchSize: number): Tensor {
  return evaluating(model, () => collectStepLosses(model, table, loss, batchSize));
}

function collectStepLosses(model: Model, table: RowSource, loss: Loss, batchSize: number): Tensor {
  let out: Tensor | null = null;
  for (let start = 0; start < table.N; start += batchSize) {
    const rows: number[] = [];
    for (let r = start; r < Math.min(table.N, start + batchSize); r++) rows.push(r);
    const b = prepareBatch(model, table.batch(rows), loss);
    const pred = model.forward(b.input, b.forward).output;
    const { steps } = loss.compute(pred, b.target, b.mask, b.weights);
    if (!(steps instanceof Tensor))
      throw new TypeError(
        `loss ${loss.name} gives no per-step errors (steps) for reduction 'none'`,
      );
    out ??= new Tensor([table.N, ...steps.shape.slice(1)], 'float64');
    out.data.set(steps.data, (start * out.size) / table.N);
  }
  return out as Tensor;
}

/**
 * Mean loss over every row of `table` in batches of `batchSize` (each batch weighted by its
 * rows), in evaluation mode (no dropout), without changing any weight; chunk by chunk with the
 * state carried when `chunk` is set. Adds every batch to `sums` when given.
 */
export function meanLoss(
  model: Model,
  table: RowSource,
  loss: Loss,
  batchSize: number,
  sums?: MetricSums,
  chunk: number | null = null,
): number {
  return evaluating(model, () => sumLosses(model, table, loss, batchSize, sums, chunk) / table.N);
}

/** Runs `f` with `model` in evaluation mode (no dropout), then puts back the mode it was in. */
function evaluating<T>(model: Model, f: () => T): T {
  const training = model.training;
  model.eval();
  try {
    return f();
  } finally {
    if (training) model.train();
  }
}

function sumLosses(
  model: Model,
  table: RowSource,
  loss: Loss,
  batchSize: number,
  sums: MetricSums | undefined,
  chunk: number | null,
): number {
  let total = 0;
  for (let start = 0; start < table.N; start += batchSize) {
    const rows = range(start, Math.min(table.N, start + batchSize));
    if (chunk !== null) {
      total += chunkedLoss(model, table.batch(rows), loss, chunk, sums) * rows.length;
      continue;
    }
    const b = prepareBatch(model, table.batch(rows), loss);
    const r = lossOf(model, b, loss);
    sums?.add(r.pred, b.target, b.mask);
    total += r.value * rows.length;
  }
  return total;
}

/** Runs `loop` in training mode (dropout on), then puts back the mode the model was in. */
export function* inTrainingMode<Y, T>(
  model: Model,
  loop: Generator<Y, T, void>,
): Generator<Y, T, void> {
  const training = model.training;
  model.train();
  try {
    return yield* loop;
  } finally {
    if (!training) model.eval();
  }
}

/** Validates metric names against the whole table's targets; returns them checked. */
export function metricsFor(
  model: Model,
  table: RowSource,
  loss: Loss,
  names: unknown,
): MetricName[] {
  const b = prepareBatch(model, table.batch(range(0, table.N)), loss);
  const [B, T] = b.input.shape;
  return checkMetrics(names, b.target, model.outputShape(B, T));
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}
