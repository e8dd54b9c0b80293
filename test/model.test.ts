import { describe, expect, it, beforeEach } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  gemm,
  mseLoss,
  padSequences,
  sgd,
  trainStep,
  type CellType,
  type ModelOptions,
} from '../src/index.js';
import { normalTensors } from './helpers/random.js';
import { maxError } from './helpers/compare.js';

let rng: Rng;
let randn: ReturnType<typeof normalTensors>;
// Every test starts from freshly seeded generators: its data does not depend on test order.
beforeEach(() => {
  rng = new Rng(11);
  randn = normalTensors(111);
});
/** Steps [from, to) of a batch-first tensor [B, T, F]. */
const steps = (x: Tensor, from: number, to: number): Tensor => {
  const [B, T, F] = x.shape;
  const out = new Tensor([B, to - from, F], x.dtype);
  for (let b = 0; b < B; b++)
    out.data.set(x.data.subarray((b * T + from) * F, (b * T + to) * F), b * (to - from) * F);
  return out;
};
const cells: CellType[] = ['rnn', 'lstm', 'gru'];
const opts = (cell: CellType, extra: Partial<ModelOptions> = {}): ModelOptions => ({
  cell,
  inputSize: 3,
  hiddenSize: 5,
  outputSize: 2,
  dtype: 'float64',
  seed: 2,
  ...extra,
});

describe('gemm', () => {
  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('matches a naive product with transA=%s transB=%s, including ragged edges', (tA, tB) => {
    const [M, N, K] = [7, 6, 5];
    const A = randn([M * K]).data;
    const B = randn([K * N]).data;
    const C = new Float64Array(M * N).fill(1);
    gemm(tA, tB, M, N, K, A, 0, tA ? M : K, B, 0, tB ? K : N, C, 0, N, true);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 1;
        for (let k = 0; k < K; k++)
          s += (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]);
        expect(C[i * N + j]).toBeCloseTo(s, 12);
      }
    }
  });
});

describe.each(cells)('%s model', (cell) => {
  it('sums every weight gradient over the time steps (BPTT is the sum of per-step gradients)', () => {
    const model = new Model(opts(cell, { numLayers: 2, bidirectional: true }));
    const x = randn([2, 4, 3]);
    const gy = randn([2, 4, 2]);
    model.forward(x);
    model.zeroGrad();
    model.backward(gy);
    const total = model.params.grads.slice();
    const sum = new Float64Array(total.length);
    for (let t = 0; t < 4; t++) {
      const only = new Tensor([2, 4, 2], 'float64');
      for (let b = 0; b < 2; b++)
        for (let o = 0; o < 2; o++) only.data[(b * 4 + t) * 2 + o] = gy.data[(b * 4 + t) * 2 + o];
      model.forward(x);
      model.zeroGrad();
      model.backward(only);
      model.params.grads.forEach((g, i) => (sum[i] += g));
    }
    expect(maxError(sum, total)).toBeLessThan(1e-12);
    const biasName = 'rnn.bias_hh_l0';
    const bias = model.params.get(biasName);
    expect(bias).toBeDefined();
    expect(Math.abs(total[bias!.offset])).toBeGreaterThan(0);
  });

  it('continues a sequence from the returned state exactly as one long run', () => {
    const model = new Model(opts(cell, { numLayers: 2 }));
    const x = randn([3, 7, 3]);
    const whole = model.forward(x);
    const first = model.forward(steps(x, 0, 4));
    const rest = model.forward(steps(x, 4, 7), {
      h0: first.h,
      ...(first.c ? { c0: first.c } : {}),
    });
    expect(maxError(rest.output.data, steps(whole.output, 4, 7).data)).toBeLessThan(1e-12);
    expect(maxError(rest.h.data, whole.h.data)).toBeLessThan(1e-12);
  });

  it('streams one step at a time with the same outputs as a whole-sequence forward', () => {
    const model = new Model(
      opts(cell, { numLayers: 2, dtype: 'float32', initialState: 'learned' }),
    );
    model.params.values.forEach((_, i) => (model.params.values[i] = 0.3 * rng.normal()));
    const x = randn([2, 6, 3], 'float32');
    const whole = model.forward(x).output;
    const stream = model.createStream(2);
    for (let t = 0; t < 6; t++) {
      const step = new Float32Array(6);
      for (let b = 0; b < 2; b++)
        step.set(x.data.subarray((b * 6 + t) * 3, (b * 6 + t + 1) * 3), b * 3);
      const y = stream.step(step);
      for (let b = 0; b < 2; b++) {
        for (let o = 0; o < 2; o++)
          expect(y[b * 2 + o]).toBeCloseTo(whole.data[(b * 6 + t) * 2 + o], 5);
      }
    }
    // After reset the stream starts from the learned state again: the first step repeats.
    stream.reset();
    const first = new Float32Array(6);
    for (let b = 0; b < 2; b++) first.set(x.data.subarray(b * 6 * 3, (b * 6 + 1) * 3), b * 3);
    const again = stream.step(first);
    for (let b = 0; b < 2; b++) {
      for (let o = 0; o < 2; o++)
        expect(again[b * 2 + o]).toBeCloseTo(whole.data[b * 6 * 2 + o], 5);
    }
  });

  it('streams on from the state a forward pass over the history returned', () => {
    const model = new Model(opts(cell, { numLayers: 2 }));
    const x = randn([1, 6, 3]);
    const whole = model.forward(x).output;
    const history = model.forward(steps(x, 0, 4));
    const stream = model.createStream();
    stream.reset({ h0: history.h, ...(history.c ? { c0: history.c } : {}) });
    for (let t = 4; t < 6; t++) {
      const y = stream.step(x.data.subarray(t * 3, (t + 1) * 3));
      for (let o = 0; o < 2; o++) expect(y[o]).toBeCloseTo(whole.get(0, t, o), 12);
    }
    expect(() => stream.reset({ h0: randn([2, 2, 5]) })).toThrow(
      'h0 has shape [2, 2, 5], expected [2, 1, 5]',
    );
  });

  it('treats padded steps as absent: outputs, final states and gradients match the unpadded sequence', () => {
    const model = new Model(
      opts(cell, { numLayers: 2, bidirectional: true, initialState: 'learned' }),
    );
    model.params.values.forEach((_, i) => (model.params.values[i] = 0.4 * rng.normal()));
    const long = randn([1, 5, 3]).toArray() as number[][][];
    const short = randn([1, 3, 3]).toArray() as number[][][];
    const { inputs: input, lengths } = padSequences([long[0], short[0]], 'float64');
    expect(lengths).toEqual([5, 3]);
    const padded = model.forward(input, { lengths });
    const gy = randn([2, 5, 2]);
    model.zeroGrad();
    model.backward(gy);
    const paddedGrads = model.params.grads.slice();

    const alone = model.forward(Tensor.from(short, 'float64'));
    for (let t = 0; t < 3; t++) {
      for (let o = 0; o < 2; o++)
        expect(padded.output.get(1, t, o)).toBeCloseTo(alone.output.get(0, t, o), 12);
    }
    for (let k = 0; k < 4; k++)
      for (let j = 0; j < 5; j++)
        expect(padded.h.get(k, 1, j)).toBeCloseTo(alone.h.get(k, 0, j), 12);

    for (let t = 3; t < 5; t++)
      expect([padded.output.get(1, t, 0), padded.output.get(1, t, 1)]).toEqual([0, 0]);
    // Gradients: the padded batch equals the two sequences run separately, padded steps ignored.
    model.zeroGrad();
    model.forward(Tensor.from(long, 'float64'));
    model.backward(firstRow(gy, 5));
    model.forward(Tensor.from(short, 'float64'));
    model.backward(secondRow(gy, 3));
    expect(maxError(model.params.grads, paddedGrads)).toBeLessThan(1e-12);
  });

  it('round-trips through toJSON and fromJSON with identical predictions', () => {
    const model = new Model(
      opts(cell, { dtype: 'float32', head: 'last', initialState: 'learned' }),
    );
    const copy = Model.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const x = randn([2, 4, 3], 'float32');
    expect(Array.from(copy.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    expect(copy.predict(x).shape).toEqual([2, 2]);
  });
});

function firstRow(g: Tensor, T: number): Tensor {
  return new Tensor([1, T, 2], g.data.slice(0, T * 2));
}
function secondRow(g: Tensor, T: number): Tensor {
  return new Tensor([1, T, 2], g.data.slice(5 * 2, 5 * 2 + T * 2));
}

describe('parameters', () => {
  it('uses PyTorch names and layouts', () => {
    const model = new Model({
      cell: 'lstm',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      outputSize: 2,
      initialState: 'learned',
    });
    const shapes = Object.fromEntries(
      Object.entries(model.stateDict()).map(([k, v]) => [k, v.shape]),
    );
    expect(shapes['rnn.weight_ih_l0']).toEqual([16, 3]);
    expect(shapes['rnn.weight_hh_l1_reverse']).toEqual([16, 4]);
    expect(shapes['rnn.bias_ih_l1']).toEqual([16]);
    expect(shapes['rnn.weight_ih_l1']).toEqual([16, 8]);
    expect(shapes['head.weight']).toEqual([2, 8]);
    expect(shapes.h0).toEqual([4, 1, 4]);
    expect(shapes.c0).toEqual([4, 1, 4]);
    expect(Object.keys(shapes).slice(0, 4)).toEqual([
      'rnn.weight_ih_l0',
      'rnn.weight_hh_l0',
      'rnn.bias_ih_l0',
      'rnn.bias_hh_l0',
    ]);
  });

  it('summarises its configuration and parameters', () => {
    const model = new Model({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 1 });
    const text = model.summary();
    expect(text.split('\n')[0]).toBe(
      'GRU 2 -> 3 x 1 layer(s), head 1 at every step, initial state zeros, float32',
    );
    expect(text).toMatch(/rnn\.weight_ih_l0\s+\[9, 2\]\s+18/);
    expect(text).toMatch(new RegExp(`total\\s+${model.parameterCount}$`));
  });

  it('initialises like PyTorch by default: U(-1/sqrt(H), 1/sqrt(H)), seeded', () => {
    const a = new Model({ cell: 'gru', inputSize: 3, hiddenSize: 16, seed: 5 });
    const b = new Model({ cell: 'gru', inputSize: 3, hiddenSize: 16, seed: 5 });
    const c = new Model({ cell: 'gru', inputSize: 3, hiddenSize: 16, seed: 6 });
    expect(a.params.values).toEqual(b.params.values);
    expect(a.params.values).not.toEqual(c.params.values);
    const bound = 1 / 4;
    expect(Math.max(...Array.from(a.params.values, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(a.params.values, Math.abs))).toBeGreaterThan(0.9 * bound);
  });

  it('bounds Glorot weights per gate block and zeroes the biases with init: glorot', () => {
    const model = new Model({
      cell: 'gru',
      inputSize: 4,
      hiddenSize: 6,
      init: 'glorot',
      dtype: 'float64',
    });
    const state = model.stateDict();
    const bound = Math.sqrt(6 / (4 + 6));
    const wih = Array.from(state['rnn.weight_ih_l0'].data, Math.abs);
    expect(Math.max(...wih)).toBeLessThanOrEqual(bound);
    expect(Math.max(...wih)).toBeGreaterThan(0.8 * bound);
    expect(Array.from(state['rnn.bias_ih_l0'].data).every((v) => v === 0)).toBe(true);
  });

  it('gives orthogonal recurrent blocks with init: orthogonal', () => {
    const H = 6;
    const model = new Model({
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: H,
      init: 'orthogonal',
      dtype: 'float64',
    });
    const w = model.stateDict()['rnn.weight_hh_l0'].data;
    for (let g = 0; g < 4; g++) {
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < H; j++) {
          let d = 0;
          for (let k = 0; k < H; k++) d += w[g * H * H + i * H + k] * w[g * H * H + j * H + k];
          expect(d).toBeCloseTo(i === j ? 1 : 0, 10);
        }
      }
    }
  });

  it('sets the LSTM forget-gate bias to 1 with unitForgetBias, and only then', () => {
    const H = 3;
    const on = new Model({
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: H,
      unitForgetBias: true,
    }).stateDict();
    expect(Array.from(on['rnn.bias_ih_l0'].data.subarray(H, 2 * H))).toEqual([1, 1, 1]);
    expect(Array.from(on['rnn.bias_hh_l0'].data.subarray(H, 2 * H))).toEqual([0, 0, 0]);
    const off = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: H }).stateDict();
    expect(Array.from(off['rnn.bias_ih_l0'].data.subarray(H, 2 * H))).not.toEqual([1, 1, 1]);
  });
});

describe('training', () => {
  it('skips a step whose loss overflows and keeps the weights', () => {
    const model = new Model({
      cell: 'rnn',
      nonlinearity: 'relu',
      inputSize: 1,
      hiddenSize: 4,
      outputSize: 1,
    });
    model.params.values.fill(1e4);
    const before = model.params.values.slice();
    const x = new Tensor([1, 30, 1]).clone();
    x.data.fill(1);
    const r = trainStep(
      model,
      { input: x, target: new Tensor([1, 30, 1]) },
      { loss: mseLoss(), optimizer: sgd({ lr: 0.1 }) },
    );
    expect(r.skipped).toBe(true);
    expect(model.params.values).toEqual(before);
  });
});

describe('the head keeps its input from forward to backward', () => {
  for (const backend of ['js', 'wasm'] as const) {
    it(`gives the same gradients with a prediction and a stream step in between (${backend})`, () => {
      const options = { cell: 'gru' as const, inputSize: 3, hiddenSize: 5, outputSize: 2, backend };
      const x = randn([2, 4, 3]);
      const dy = randn([2, 4, 2]);
      const gradients = (between: (m: Model) => void): Float64Array => {
        const m = new Model({ ...options, seed: 3 });
        m.forward(x);
        between(m);
        m.zeroGrad();
        m.backward(dy);
        return Float64Array.from(m.params.grads);
      };
      const plain = gradients(() => undefined);
      const other = randn([3, 6, 3]);
      const busy = gradients((m) => {
        m.predict(other);
        m.createStream(3).step(randn([3, 3]));
      });
      expect(Array.from(busy)).toEqual(Array.from(plain));
    });
  }
});
