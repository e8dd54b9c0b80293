import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  Model,
  Rng,
  Tensor,
  adam,
  evaluate,
  fit,
  mseLoss,
  type ModelOptions,
} from '../src/index.js';

function randn(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const t = new Tensor(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

const stacked: ModelOptions = {
  cell: 'lstm',
  inputSize: 2,
  hiddenSize: 3,
  numLayers: 3,
  bidirectional: true,
  outputSize: 2,
  dropout: 0.4,
  dtype: 'float64',
  seed: 4,
};

describe('dropout between stacked layers', () => {
  it('is off in evaluation mode: outputs equal a model without dropout', () => {
    const model = new Model(stacked);
    const plain = new Model({ ...stacked, dropout: 0 });
    plain.loadStateDict(model.stateDict());
    const x = randn([2, 5, 2], 1);
    expect(model.training).toBe(true);
    const trained = model.forward(x).output.data;
    expect(Array.from(trained)).not.toEqual(Array.from(plain.forward(x).output.data));
    model.eval();
    expect(model.training).toBe(false);
    expect(Array.from(model.forward(x).output.data)).toEqual(
      Array.from(plain.forward(x).output.data),
    );
    model.train();
    expect(Array.from(model.predict(x).data)).toEqual(Array.from(plain.predict(x).data));
  });

  it('draws the same masks after train(seed), and its gradient passes finite differences', () => {
    const model = new Model(stacked);
    const rng = new Rng(9);
    for (let i = 0; i < model.params.values.length; i++)
      model.params.values[i] = 0.5 * rng.normal();
    const x = randn([2, 4, 2], 2);
    const target = randn([2, 4, 2], 3);
    const loss = mseLoss({ reduction: 'sum' });
    const lossAt = (): number => {
      model.train(11);
      return loss.compute(model.forward(x).output, target, null).value;
    };
    expect(lossAt()).toBe(lossAt());
    model.train(11);
    const { grad } = loss.compute(model.forward(x).output, target, null);
    model.zeroGrad();
    const back = model.backward(grad);
    const analytic = Float64Array.from(model.params.grads);
    const v = model.params.values;
    const eps = 1e-6;
    let worst = 0;
    for (let i = 0; i < v.length; i++) {
      const keep = v[i];
      v[i] = keep + eps;
      const up = lossAt();
      v[i] = keep - eps;
      const down = lossAt();
      v[i] = keep;
      const numeric = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(numeric - analytic[i]) / Math.max(1, Math.abs(numeric)));
    }
    expect(worst).toBeLessThan(1e-6);
    // The input gradient goes through the same masks.
    const xi = x.data;
    const k = 3;
    const keep = xi[k];
    xi[k] = keep + eps;
    const up = lossAt();
    xi[k] = keep - eps;
    const down = lossAt();
    xi[k] = keep;
    expect((back.input as Tensor).data[k]).toBeCloseTo((up - down) / (2 * eps), 6);
  });

  it('evaluate never drops, for a mean or a per-step loss, and keeps the mode', () => {
    const model = new Model(stacked);
    const plain = new Model({ ...stacked, dropout: 0 });
    plain.loadStateDict(model.stateDict());
    const data = { inputs: randn([3, 4, 2], 12), targets: randn([3, 4, 2], 13) };
    const none = mseLoss({ reduction: 'none' });
    expect(Array.from(evaluate(model, data, none).data)).toEqual(
      Array.from(evaluate(plain, data, none).data),
    );
    expect(evaluate(model, data, mseLoss())).toBe(evaluate(plain, data, mseLoss()));
    expect(model.training).toBe(true);
  });

  it('fit trains with dropout, validates without it, and restores the mode', () => {
    const model = new Model({ ...stacked, dtype: 'float32' });
    const x = randn([4, 5, 2], 5);
    const data = { inputs: x, targets: randn([4, 5, 2], 6) };
    model.eval();
    const plain = new Model({ ...stacked, dropout: 0, dtype: 'float32' });
    let modeDuringTraining = false;
    const h = fit(model, data, {
      loss: mseLoss(),
      optimizer: adam({ lr: 1e-3 }),
      validation: data,
      onBatch: () => (modeDuringTraining = model.training),
    });
    expect(modeDuringTraining).toBe(true);
    expect(model.training).toBe(false);
    plain.loadStateDict(model.stateDict());
    const check = plain.forward(x).output;
    expect(h.epochs[0].valLoss).toBeCloseTo(mseLoss().compute(check, data.targets, null).value, 6);
    expect(() => new Model({ ...stacked, dropout: 1 })).toThrow(/dropout is 1/);
  });
});

describe('predict', () => {
  const lstm: ModelOptions = {
    cell: 'lstm',
    inputSize: 3,
    hiddenSize: 5,
    numLayers: 2,
    outputSize: 2,
    seed: 1,
  };

  it('equals forward over sequences longer than its chunks, for every head and initial state', () => {
    for (const options of [
      { ...lstm, dtype: 'float64' as const },
      { ...lstm, cell: 'gru' as const, head: 'last' as const, dtype: 'float64' as const },
      {
        ...lstm,
        cell: 'rnn' as const,
        initialState: 'learned' as const,
        dtype: 'float64' as const,
      },
    ]) {
      const model = new Model(options);
      for (let i = 0; i < model.params.values.length; i++) model.params.values[i] *= 3;
      const x = randn([2, 300, 3], 7);
      const expected = model.forward(x).output;
      const got = model.predict(x);
      expect(got.shape).toEqual(expected.shape);
      let worst = 0;
      for (let i = 0; i < got.size; i++)
        worst = Math.max(worst, Math.abs(got.data[i] - expected.data[i]));
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it('continues from a given state and leaves the last forward ready for backward', () => {
    const model = new Model({ ...lstm, dtype: 'float64' });
    const x = randn([1, 6, 3], 8);
    const first = model.forward(x);
    const h0 = first.h;
    const c0 = first.c as Tensor;
    const y = randn([1, 4, 3], 9);
    const predicted = model.predict(y, { h0, c0 });
    const expected = model.forward(y, { h0, c0 }).output;
    expect(Array.from(predicted.data)).toEqual(Array.from(expected.data));
    const again = model.forward(x);
    model.predict(y);
    model.zeroGrad();
    model.backward(new Tensor(again.output.shape, 'float64').map(() => 1));
    const afterPredict = Float64Array.from(model.params.grads);
    model.forward(x);
    model.zeroGrad();
    model.backward(new Tensor(again.output.shape, 'float64').map(() => 1));
    expect(Array.from(afterPredict)).toEqual(Array.from(model.params.grads));
  });

  it(
    'keeps memory flat in T beyond the output: LSTM H=128, B=1, T=100,000',
    { timeout: 300_000 },
    () => {
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const used = (): number => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const model = new Model({
        cell: 'lstm',
        inputSize: 1,
        hiddenSize: 128,
        outputSize: 1,
        seed: 1,
      });
      const T = 100_000;
      const x = new Tensor([1, T, 1]);
      const rng = new Rng(1);
      for (let i = 0; i < T; i++) x.data[i] = rng.uniform(-1, 1);
      model.predict(new Tensor([1, 200, 1])); // sizes the workspace
      const before = used();
      const out = model.predict(x);
      const after = used();
      const output = out.data.byteLength; // 400 KB; forward would cache about 450 MB here
      expect(after - before - output).toBeLessThan(4 * 1024 * 1024);
    },
  );
});

describe('Stream state', () => {
  it('reads and sets h and c: a saved state resumes the stream and continues with forward', () => {
    const model = new Model({
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: 4,
      numLayers: 2,
      outputSize: 1,
      dtype: 'float64',
    });
    const x = randn([1, 8, 2], 10);
    const stream = model.createStream(1);
    for (let t = 0; t < 5; t++) stream.step(x.data.subarray(t * 2, t * 2 + 2));
    const saved = stream.state();
    expect(saved.h0.shape).toEqual([2, 1, 4]);
    expect(Array.from(stream.c as Float64Array)).toEqual(Array.from((saved.c0 as Tensor).data));
    const rest = x.data.subarray(10);
    const tail = new Tensor([1, 3, 2], Float64Array.from(rest));
    const viaForward = model.forward(tail, saved).output.data;
    const out: number[] = [];
    for (let t = 0; t < 3; t++) out.push(stream.step(rest.subarray(t * 2, t * 2 + 2))[0]);
    out.forEach((v, t) => expect(v).toBeCloseTo(viaForward[t], 12));
    stream.reset(saved);
    expect(stream.step(rest.subarray(0, 2))[0]).toBe(out[0]);
    const gru = new Model({ cell: 'gru', inputSize: 2, hiddenSize: 4 }).createStream(2);
    expect(gru.c).toBeNull();
    expect(gru.state()).not.toHaveProperty('c0');
  });
});
