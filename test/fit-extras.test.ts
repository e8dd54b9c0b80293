import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  adam,
  crossEntropyLoss,
  evaluate,
  fit,
  mseLoss,
  sgd,
  type Dataset,
} from '../src/index.js';

function regression(N: number, T: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Tensor([N, T, 1]);
  const targets = new Tensor([N, T, 1]);
  for (let i = 0; i < N * T; i++) {
    inputs.data[i] = rng.uniform(-1, 1);
    targets.data[i] = i % T === 0 ? 0 : inputs.data[i - 1];
  }
  return { inputs, targets };
}

const model = (outputSize = 1): Model =>
  new Model({ cell: 'gru', inputSize: 1, hiddenSize: 6, outputSize, seed: 2 });

describe('early stopping', () => {
  it('stops after patience epochs without improvement and restores the best weights', () => {
    const m = model();
    const data = regression(16, 6, 1);
    const validation = regression(8, 6, 2);
    const snapshots: Float32Array[] = [];
    // A rate far too high makes the validation loss rise after the first epochs.
    const history = fit(m, data, {
      loss: mseLoss(),
      optimizer: sgd({ lr: 8 }),
      epochs: 40,
      batchSize: 16,
      validation,
      earlyStopping: { patience: 3 },
      onEpoch: () => snapshots.push(Float32Array.from(m.params.values)),
    });
    const losses = history.epochs.map((e) => e.valLoss as number);
    const best = losses.indexOf(Math.min(...losses));
    expect(history.stoppedEarly).toBe(true);
    expect(history.bestEpoch).toBe(best);
    expect(history.epochs.length).toBe(best + 4);
    expect(Array.from(m.params.values)).toEqual(Array.from(snapshots[best]));
    expect(evaluate(m, validation, mseLoss())).toBeCloseTo(losses[best], 6);
  });

  it('keeps the last weights with restoreBest false, and runs every epoch while improving', () => {
    const m = model();
    const data = regression(16, 6, 1);
    const h = fit(m, data, {
      loss: mseLoss(),
      optimizer: adam({ lr: 0.01 }),
      epochs: 4,
      batchSize: 16,
      earlyStopping: { patience: 2, restoreBest: false },
    });
    expect(h.stoppedEarly).toBe(false);
    expect(h.epochs.length).toBe(4);
    expect(h.bestEpoch).toBe(3);
    expect(() =>
      fit(m, data, { loss: mseLoss(), optimizer: sgd({ lr: 1 }), earlyStopping: { patience: 0 } }),
    ).toThrow(/earlyStopping.patience is 0/);
  });
});

describe('validation split', () => {
  it('holds out the last rows and reports their loss', () => {
    const data = regression(10, 4, 3);
    const m = model();
    const seen: number[] = [];
    const h = fit(m, data, {
      loss: mseLoss(),
      optimizer: sgd({ lr: 1e-9 }),
      epochs: 1,
      batchSize: 3,
      validationSplit: 0.2,
      onBatch: () => seen.push(1),
    });
    expect(seen.length).toBe(3); // 8 training sequences in batches of 3
    const last = {
      inputs: new Tensor([2, 4, 1], (data.inputs as Tensor).data.slice(32)),
      targets: new Tensor([2, 4, 1], (data.targets as Tensor).data.slice(32)),
    };
    expect(h.epochs[0].valLoss).toBeCloseTo(evaluate(m, last, mseLoss()), 6);
  });

  it('rejects a split that leaves a side empty, or both validation forms', () => {
    const data = regression(4, 3, 3);
    const o = { loss: mseLoss(), optimizer: sgd({ lr: 0.1 }) };
    expect(() => fit(model(), data, { ...o, validationSplit: 0.1 })).toThrow(/holds out 0/);
    expect(() => fit(model(), data, { ...o, validationSplit: 1 })).toThrow(RangeError);
    expect(() => fit(model(), data, { ...o, validationSplit: 0.5, validation: data })).toThrow(
      /both validation and validationSplit/,
    );
  });
});

describe('metrics', () => {
  it('computes MAE and RMSE over real steps, and accuracy of 0/1 targets from logits', () => {
    const m = model();
    const data = regression(5, 4, 4);
    const lengths = [4, 2, 3, 1, 4];
    const r = evaluate(m, { ...data, lengths }, mseLoss(), {
      metrics: ['mae', 'rmse', 'accuracy'],
    });
    const pred = m.predict(data.inputs, { lengths }).data;
    const t = (data.targets as Tensor).data;
    let abs = 0;
    let sq = 0;
    let hits = 0;
    let n = 0;
    for (let b = 0; b < 5; b++) {
      for (let s = 0; s < lengths[b]; s++) {
        const d = pred[b * 4 + s] - t[b * 4 + s];
        abs += Math.abs(d);
        sq += d * d;
        if (pred[b * 4 + s] > 0 === t[b * 4 + s] > 0.5) hits++;
        n++;
      }
    }
    expect(r.metrics.mae).toBeCloseTo(abs / n, 6);
    expect(r.metrics.rmse).toBeCloseTo(Math.sqrt(sq / n), 6);
    expect(r.metrics.accuracy).toBeCloseTo(hits / n, 12);
    expect(r.loss).toBeCloseTo(evaluate(m, { ...data, lengths }, mseLoss()), 9);
  });

  it('computes accuracy and perplexity against class indices', () => {
    const m = new Model({ inputSize: 2, hiddenSize: 4, outputSize: 3, seed: 5, dtype: 'float64' });
    const rng = new Rng(6);
    const inputs = new Tensor([4, 5, 2], 'float64');
    for (let i = 0; i < inputs.size; i++) inputs.data[i] = rng.normal();
    const targets = new Tensor([4, 5], 'float64');
    for (let i = 0; i < targets.size; i++) targets.data[i] = rng.int(3);
    const data = { inputs, targets };
    const r = evaluate(m, data, crossEntropyLoss(), { metrics: ['accuracy', 'perplexity'] });
    expect(r.metrics.perplexity).toBeCloseTo(Math.exp(r.loss), 12);
    const logits = m.predict(inputs).data;
    let hits = 0;
    for (let i = 0; i < 20; i++) {
      const row = Array.from(logits.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === targets.data[i]) hits++;
    }
    expect(r.metrics.accuracy).toBe(hits / 20);
    expect(() => evaluate(m, data, crossEntropyLoss(), { metrics: ['mae'] })).toThrow(
      /metric 'mae' needs value targets/,
    );
    expect(() => evaluate(m, data, crossEntropyLoss(), { metrics: ['f1' as 'mae'] })).toThrow(
      /metric "f1" is unknown/,
    );
  });

  it('fit reports training and validation metrics every epoch, checked before training', () => {
    const m = model();
    const data = regression(12, 5, 7);
    const before = Float32Array.from(m.params.values);
    expect(() =>
      fit(m, data, { loss: mseLoss(), optimizer: sgd({ lr: 0.1 }), metrics: ['perplexity'] }),
    ).toThrow(/needs class-index targets/);
    expect(Array.from(m.params.values)).toEqual(Array.from(before));
    const h = fit(m, data, {
      loss: mseLoss(),
      optimizer: sgd({ lr: 0.1 }),
      epochs: 2,
      batchSize: 12,
      validationSplit: 0.25,
      metrics: ['rmse'],
    });
    for (const e of h.epochs) {
      expect(e.metrics.rmse).toBeCloseTo(Math.sqrt(e.loss), 6); // one full batch: rmse² = mse
      expect(e.valMetrics?.rmse).toBeCloseTo(Math.sqrt(e.valLoss as number), 6);
    }
  });
});

describe('evaluate types', () => {
  it('types the mean loss of a mean or sum loss as a number, the per-step errors of none as a Tensor', () => {
    const m = model();
    const data = regression(3, 4, 8);
    // Both lines fail typecheck if the overloads resolve the other way round.
    const mean: number = evaluate(m, data, mseLoss());
    const steps: Tensor = evaluate(m, data, mseLoss({ reduction: 'none' }));
    expect(typeof mean).toBe('number');
    expect(steps.shape).toEqual([3, 4]);
  });
});
