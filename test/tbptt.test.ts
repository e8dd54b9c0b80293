import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
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
  trainStep,
  trainTruncated,
  type ModelOptions,
} from '../src/index.js';

function series(B: number, T: number, I: number, O: number, seed: number) {
  const rng = new Rng(seed);
  const input = new Tensor([B, T, I], 'float64');
  const target = new Tensor([B, T, O], 'float64');
  for (let i = 0; i < input.size; i++) input.data[i] = rng.normal();
  for (let i = 0; i < target.size; i++) target.data[i] = rng.normal();
  return { input, target };
}

const lstm: ModelOptions = {
  cell: 'lstm',
  inputSize: 2,
  hiddenSize: 5,
  numLayers: 2,
  outputSize: 3,
  dtype: 'float64',
  seed: 3,
};

describe('truncated BPTT', () => {
  it('with k equal to the length equals full BPTT bit for bit', () => {
    const { input, target } = series(3, 12, 2, 3, 1);
    const full = new Model(lstm);
    const truncated = new Model(lstm);
    const o = { loss: mseLoss(), clip: { maxNorm: 0.5 } };
    const optA = adam({ lr: 0.01 });
    const optB = adam({ lr: 0.01 });
    for (let step = 0; step < 3; step++) {
      const a = trainStep(full, { input, target }, { ...o, optimizer: optA });
      const b = trainTruncated(truncated, { input, target }, { ...o, optimizer: optB, chunk: 12 });
      expect(b.steps.length).toBe(1);
      expect(b.steps[0].loss).toBe(a.loss);
      expect(b.steps[0].gradNorm).toBe(a.gradNorm);
    }
    expect(Array.from(truncated.params.values)).toEqual(Array.from(full.params.values));
    const fitted = new Model(lstm);
    fit(
      fitted,
      { inputs: input, targets: target },
      {
        ...o,
        optimizer: adam({ lr: 0.01 }),
        epochs: 3,
        batchSize: 3,
        shuffle: false,
        tbptt: 12,
      },
    );
    expect(Array.from(fitted.params.values)).toEqual(Array.from(full.params.values));
  });

  it('continues a stream across calls exactly as one call over the whole stream', () => {
    const { input, target } = series(2, 12, 2, 3, 2);
    const half = (t: Tensor, from: number) => {
      const [B, , F] = t.shape;
      const out = new Tensor([B, 6, F], 'float64');
      for (let b = 0; b < B; b++)
        out.data.set(t.data.subarray((b * 12 + from) * F, (b * 12 + from + 6) * F), b * 6 * F);
      return out;
    };
    const whole = new Model(lstm);
    const parts = new Model(lstm);
    const optA = sgd({ lr: 0.1, momentum: 0.9 });
    const optB = sgd({ lr: 0.1, momentum: 0.9 });
    const a = trainTruncated(
      whole,
      { input, target },
      { loss: mseLoss(), optimizer: optA, chunk: 3 },
    );
    const o = { loss: mseLoss(), optimizer: optB, chunk: 3 };
    const first = trainTruncated(parts, { input: half(input, 0), target: half(target, 0) }, o);
    const second = trainTruncated(
      parts,
      { input: half(input, 6), target: half(target, 6) },
      o,
      first.state,
    );
    expect([...first.steps, ...second.steps].map((r) => r.loss)).toEqual(
      a.steps.map((r) => r.loss),
    );
    expect(Array.from(parts.params.values)).toEqual(Array.from(whole.params.values));
    expect(Array.from(second.state.h.data)).toEqual(Array.from(a.state.h.data));
    expect(second.state.h.shape).toEqual([2, 2, 5]);
  });

  it('starts each chunk from the carried state, not from zeros', () => {
    const { input, target } = series(2, 8, 2, 3, 4);
    const carried = new Model(lstm);
    const r = trainTruncated(
      carried,
      { input, target },
      { loss: mseLoss(), optimizer: sgd({ lr: 1e-12 }), chunk: 4 },
    );
    const fresh = new Model(lstm);
    const second = {
      input: new Tensor([2, 4, 2], 'float64'),
      target: new Tensor([2, 4, 3], 'float64'),
    };
    for (let b = 0; b < 2; b++) {
      second.input.data.set(input.data.subarray((b * 8 + 4) * 2, (b * 8 + 8) * 2), b * 8);
      second.target.data.set(target.data.subarray((b * 8 + 4) * 3, (b * 8 + 8) * 3), b * 12);
    }
    const fromZero = trainStep(fresh, second, { loss: mseLoss(), optimizer: sgd({ lr: 1e-12 }) });
    expect(Math.abs(r.steps[1].loss - fromZero.loss)).toBeGreaterThan(1e-6);
  });

  it('rejects bidirectional models, last-step heads, lengths and bad states before any update', () => {
    const { input, target } = series(2, 6, 2, 3, 5);
    const o = { loss: mseLoss(), optimizer: sgd({ lr: 0.1 }), chunk: 2 };
    const bi = new Model({ ...lstm, bidirectional: true });
    expect(() => trainTruncated(bi, { input, target }, o)).toThrow(/unidirectional/);
    const m = new Model(lstm);
    const before = Array.from(m.params.values);
    expect(() => trainTruncated(m, { input, target, lengths: [6, 3] }, o)).toThrow(/lengths/);
    const bad = { h: new Tensor([2, 3, 5], 'float64'), c: new Tensor([2, 3, 5], 'float64') };
    expect(() => trainTruncated(m, { input, target }, o, bad)).toThrow(/state.h has shape/);
    expect(() => trainTruncated(m, { input, target }, { ...o, chunk: 0 })).toThrow(RangeError);
    expect(() =>
      fit(m, { inputs: input, targets: target }, { ...o, tbptt: 2, chunk: undefined } as never),
    ).toThrow(/unknown option 'chunk'/);
    expect(Array.from(m.params.values)).toEqual(before);
  });

  it('fit updates once per chunk and validates chunk by chunk', () => {
    const rng = new Rng(6);
    const V = 4;
    const inputs = new Tensor([4, 20, V]);
    const targets = new Tensor([4, 20], 'float64');
    for (let i = 0; i < 80; i++) {
      targets.data[i] = rng.int(V);
      if (i % 20 !== 19) inputs.data[(i + 1) * V + targets.data[i]] = 1;
    }
    const model = new Model({ cell: 'gru', inputSize: V, hiddenSize: 6, outputSize: V, seed: 1 });
    let updates = 0;
    const h = fit(
      model,
      { inputs, targets },
      {
        loss: crossEntropyLoss(),
        optimizer: adam({ lr: 0.01 }),
        epochs: 2,
        batchSize: 2,
        tbptt: 5,
        validation: { inputs, targets },
        metrics: ['perplexity'],
        onBatch: () => updates++,
      },
    );
    expect(updates).toBe(2 * 2 * 4);
    const again = evaluate(model, { inputs, targets }, crossEntropyLoss(), {
      batchSize: 2,
      tbptt: 5,
      metrics: ['perplexity'],
    });
    expect(h.epochs[1].valLoss).toBeCloseTo(again.loss, 12);
    expect(again.metrics.perplexity).toBeCloseTo(Math.exp(again.loss), 5);
    // Carrying the state makes the chunked forward the same computation as a whole one.
    expect(again.loss).toBeCloseTo(evaluate(model, { inputs, targets }, crossEntropyLoss(), 2), 5);
  });

  it('holds memory flat over a 100,000-step stream with k = 100', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const T = 100_000;
    const rng = new Rng(7);
    const inputs = new Tensor([1, T, 1]);
    for (let i = 0; i < T; i++) inputs.data[i] = rng.uniform(-1, 1);
    const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 8, outputSize: 1, seed: 2 });
    const used = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    let early = 0;
    let late = 0;
    fit(
      model,
      { inputs, targets: inputs },
      {
        loss: mseLoss(),
        optimizer: sgd({ lr: 0.01 }),
        batchSize: 1,
        tbptt: 100,
        onBatch: (b) => {
          if (b.batch === 50) early = used();
          if (b.batch === 999) late = used();
        },
      },
    );
    expect(early).toBeGreaterThan(0);
    expect(late).toBeGreaterThan(0);
    // Full BPTT would cache about 100,000 × 4.5 KB here; each chunk caches 100 steps.
    expect(late - early).toBeLessThan(2 * 1024 * 1024);
  });
});
