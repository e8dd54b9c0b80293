import { describe, expect, it } from 'vitest';
import {
  Model,
  Tensor,
  fit,
  mseLoss,
  sgd,
  trainStep,
  type Dataset,
  type ModelOptions,
} from '../src/index.js';
import { normalTensors } from './helpers/random.js';

const randn = normalTensors(21);
const options: ModelOptions = {
  cell: 'gru',
  inputSize: 2,
  hiddenSize: 5,
  outputSize: 2,
  dtype: 'float64',
  seed: 6,
};

/** Rows of `t` (first dimension), repeated `counts[r]` times each. */
function repeatRows(t: Tensor, counts: number[]): Tensor {
  const width = t.size / t.shape[0];
  const total = counts.reduce((a, b) => a + b, 0);
  const out = new Tensor([total, ...t.shape.slice(1)], t.dtype);
  let k = 0;
  counts.forEach((c, r) => {
    for (let i = 0; i < c; i++, k++)
      out.data.set(t.data.subarray(r * width, (r + 1) * width), k * width);
  });
  return out;
}

describe('sample weights in training', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    it(`integer weights train like repeated sequences (full batch, SGD, ${reduction})`, () => {
      const counts = [1, 3, 2, 1, 4];
      const inputs = randn([5, 6, 2]);
      const targets = randn([5, 6, 2]);
      const lengths = [6, 4, 5, 6, 2];
      const weighted = new Model(options);
      const repeated = new Model(options);
      const train = (model: Model, data: Dataset, N: number): void => {
        fit(model, data, {
          loss: mseLoss({ reduction }),
          optimizer: sgd({ lr: 0.05, momentum: 0.9 }),
          epochs: 8,
          batchSize: N,
          seed: 3,
        });
      };
      train(weighted, { inputs, targets, lengths, weights: counts }, 5);
      train(
        repeated,
        {
          inputs: repeatRows(inputs, counts),
          targets: repeatRows(targets, counts),
          lengths: counts.flatMap((c, r) => Array<number>(c).fill(lengths[r])),
        },
        11,
      );
      const a = weighted.params.values;
      const b = repeated.params.values;
      const moved = a.some((v, i) => v !== new Model(options).params.values[i]);
      expect(moved).toBe(true);
      // Equal up to the rounding of sums taken in another order.
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
      expect(worst / scale).toBeLessThan(1e-12);
    });
  }

  it("fit's shuffling keeps each weight with its row", () => {
    // Rows 1 and 3 have absurd targets and weight 0: if a weight left its row, a batch
    // would include one and its loss would be enormous.
    const inputs = randn([8, 3, 2], 'float32');
    const targets = randn([8, 3, 2], 'float32');
    const weights = [1, 0, 1, 0, 1, 1, 1, 1];
    for (const r of [1, 3]) targets.data.fill(1e6, r * 6, (r + 1) * 6);
    const losses: number[] = [];
    fit(
      new Model({ ...options, dtype: 'float32' }),
      { inputs, targets, weights },
      {
        loss: mseLoss(),
        optimizer: sgd({ lr: 0.01 }),
        epochs: 6,
        batchSize: 3,
        seed: 11,
        onBatch: (info) => losses.push(info.loss),
      },
    );
    expect(losses).toHaveLength(18);
    for (const l of losses) expect(l).toBeLessThan(100);
  });

  it('accepts per-step weights [B, T] and rejects shapes that do not fit, before any change', () => {
    const model = new Model(options);
    const before = model.params.values.slice();
    const batch = { input: randn([2, 3, 2]), target: randn([2, 3, 2]) };
    const optimizer = sgd({ lr: 0.1 });
    expect(() =>
      trainStep(model, { ...batch, weights: [1, 2, 3] }, { loss: mseLoss(), optimizer }),
    ).toThrow('weights has shape [3], expected [2, 3] (one per step) or [2] (one per sequence)');
    expect(() =>
      trainStep(
        model,
        {
          ...batch,
          weights: [
            [1, 2, -3],
            [1, 1, 1],
          ],
        },
        { loss: mseLoss(), optimizer },
      ),
    ).toThrow('weights has -3 at [0, 2], expected finite numbers >= 0');
    expect(() =>
      fit(
        model,
        { inputs: batch.input, targets: batch.target, weights: [1, 2, 3] },
        {
          loss: mseLoss(),
          optimizer,
        },
      ),
    ).toThrow('weights has 3 rows, inputs has 2 sequences');
    expect(model.params.values).toEqual(before);
    const last = new Model({ ...options, head: 'last' });
    expect(() =>
      trainStep(
        last,
        {
          input: batch.input,
          target: randn([2, 2]),
          weights: [
            [1, 1, 1],
            [1, 1, 1],
          ],
        },
        { loss: mseLoss(), optimizer },
      ),
    ).toThrow('weights has shape [2, 3], expected [2] (one per sequence)');
    const r = trainStep(
      model,
      {
        ...batch,
        weights: [
          [1, 2, 0],
          [0.5, 1, 1],
        ],
      },
      { loss: mseLoss(), optimizer },
    );
    expect(r.skipped).toBe(false);
  });
});
