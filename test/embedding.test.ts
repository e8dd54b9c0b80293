import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  crossEntropyLoss,
  gradCheck,
  trainStep,
  sgd,
  type ModelOptions,
} from '../src/index.js';

const V = 6;
const E = 3;
const tokens: ModelOptions = {
  cell: 'gru',
  inputSize: E,
  hiddenSize: 4,
  numLayers: 2,
  outputSize: V,
  embedding: { vocabSize: V, dim: E },
  dtype: 'float64',
  seed: 2,
};

function ids(B: number, T: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const t = new Tensor([B, T], 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.int(V);
  return t;
}

describe('embedding', () => {
  it('declares embed.weight [V, E] drawn from N(0, 1) and saves it with the model', () => {
    const model = new Model(tokens);
    const w = model.stateDict()['embed.weight'];
    expect(w.shape).toEqual([V, E]);
    const spread = Math.max(...Array.from(w.data).map(Math.abs));
    expect(spread).toBeGreaterThan(1 / Math.sqrt(4)); // wider than the U(-1/√H, 1/√H) of the rest
    const back = Model.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(back.options.embedding).toEqual({ vocabSize: V, dim: E });
    const x = ids(2, 5, 1);
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    expect(new Model({ ...tokens, embedding: undefined }).toJSON().options).not.toHaveProperty(
      'embedding',
    );
  });

  it('runs the stack on the rows of embed.weight picked by the ids', () => {
    const model = new Model(tokens);
    const dense = new Model({ ...tokens, embedding: undefined });
    const state = model.stateDict();
    const table = state['embed.weight'].data;
    delete state['embed.weight'];
    dense.loadStateDict(state);
    const x = ids(3, 4, 2);
    const vectors = new Tensor([3, 4, E], 'float64');
    for (let i = 0; i < 12; i++)
      vectors.data.set(table.subarray(x.data[i] * E, x.data[i] * E + E), i * E);
    expect(Array.from(model.forward(x).output.data)).toEqual(
      Array.from(dense.forward(vectors).output.data),
    );
    expect(Array.from(model.forward([[1, 2, 3]]).output.data)).toEqual(
      Array.from(model.forward(new Tensor([1, 3], new Float64Array([1, 2, 3]))).output.data),
    );
  });

  it('scatter-adds the gradient into the rows of the ids seen (finite differences)', () => {
    const model = new Model(tokens);
    const rng = new Rng(3);
    for (let i = 0; i < model.params.values.length; i++)
      model.params.values[i] = 0.5 * rng.normal();
    const input = new Tensor([2, 5], new Float64Array([0, 1, 1, 4, 1, 4, 0, 0, 2, 1]));
    const target = ids(2, 5, 4);
    const r = gradCheck(model, { input, target }, { loss: crossEntropyLoss() });
    expect(r.maxError).toBeLessThan(1e-6);
    model.zeroGrad();
    const { grad } = crossEntropyLoss().compute(model.forward(input).output, target, null);
    const back = model.backward(grad);
    expect(back.input).toBeNull();
    const g = model.gradDict()['embed.weight'].data;
    for (const unseen of [3, 5])
      expect(Array.from(g.subarray(unseen * E, unseen * E + E))).toEqual([0, 0, 0]);
    expect(Math.abs(g[1 * E])).toBeGreaterThan(0);
  });

  it('rejects ids out of range, fractional ids and dense input, changing nothing', () => {
    const model = new Model(tokens);
    const before = Array.from(model.params.values);
    expect(() => model.forward([[0, 6]])).toThrow(
      /input has 6 at \[0, 1\], expected a token id: an integer in \[0, 6\)/,
    );
    expect(() => model.forward([[0, 1.5]])).toThrow(RangeError);
    expect(() => model.forward([[-1]])).toThrow(RangeError);
    expect(() => model.forward(new Tensor([1, 2, E]))).toThrow(/expected ids \[B, T\]/);
    const target = ids(1, 2, 1);
    expect(() =>
      trainStep(
        model,
        { input: [[0, 9]], target },
        { loss: crossEntropyLoss(), optimizer: sgd({ lr: 1 }) },
      ),
    ).toThrow(RangeError);
    expect(Array.from(model.params.values)).toEqual(before);
    expect(() => new Model({ ...tokens, inputSize: 5 })).toThrow(
      /inputSize is 5, expected embedding.dim \(3\)/,
    );
    expect(() => new Model({ ...tokens, embedding: { vocabSize: 0, dim: E } })).toThrow(RangeError);
    expect(() => new Model({ ...tokens, embedding: { size: 3 } as never })).toThrow(TypeError);
  });

  it('streams take one id per sequence and match forward', () => {
    const model = new Model({ ...tokens, cell: 'lstm' });
    const x = ids(2, 6, 5);
    const full = model.forward(x).output.data;
    const stream = model.createStream(2);
    for (let t = 0; t < 6; t++) {
      const out = stream.step([x.data[t], x.data[6 + t]]);
      for (let b = 0; b < 2; b++) {
        for (let o = 0; o < V; o++)
          expect(out[b * V + o]).toBeCloseTo(full[(b * 6 + t) * V + o], 12);
      }
    }
    expect(() => stream.step([0, 7])).toThrow(/expected a token id/);
  });
});
