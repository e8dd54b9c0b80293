import { Tensor } from '../tensor/tensor.js';
import type { Model } from '../model/model.js';
import type { Loss } from '../loss/loss.js';
import { prepareBatch, type Batch } from './step.js';

/** Rows of a dataset, gathered into batches. */
export interface RowSource {
  N: number;
  batch(rows: readonly number[]): Batch;
}

/**
 * Each step's error over every row of `table`, `[N, T]` (`[N]` with a last-step head): the
 * loss's per-step errors times the sample weights, 0 at masked and padded steps. Runs the model
 * forward in batches of `batchSize` rows; changes no weight. Allocates the result.
 * @throws TypeError when the loss gives no per-step errors.
 */
export function stepLosses(model: Model, table: RowSource, loss: Loss, batchSize: number): Tensor {
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
