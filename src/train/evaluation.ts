import type { Model } from '../model/model.js';
import type { Loss } from '../loss/loss.js';
import { lossOf, prepareBatch, type Batch } from './step.js';
import { checkMetrics, type MetricName, type MetricSums } from './metrics.js';
import { chunkedLoss } from './tbptt.js';
import type { Rows } from './validation-split.js';

/**
 * Mean loss over every row of `table` in batches of `batchSize` (each batch weighted by its
 * rows), without changing any weight; chunk by chunk with the state carried when `chunk` is set.
 * Adds every batch to `sums` when given.
 */
export function meanLoss(
  model: Model,
  table: Rows<Batch>,
  loss: Loss,
  batchSize: number,
  sums?: MetricSums,
  chunk: number | null = null,
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
  return total / table.N;
}

/** Validates metric names against the whole table's targets; returns them checked. */
export function metricsFor(
  model: Model,
  table: Rows<Batch>,
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
