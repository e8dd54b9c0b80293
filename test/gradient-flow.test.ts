import { describe, expect, it, beforeEach } from 'vitest';
import { Model, Rng, Tensor, gradientFlow, mseLoss } from '../src/index.js';

let rng: Rng;
// Every test starts from freshly seeded generators: its data does not depend on test order.
beforeEach(() => {
  rng = new Rng(3);
});
const batch = (T: number) => {
  const input = new Tensor([4, T, 2], 'float64');
  for (let i = 0; i < input.size; i++) input.data[i] = rng.normal();
  return { input, target: new Tensor([4, T, 1], 'float64') };
};

describe('gradientFlow', () => {
  it('shows a vanishing gradient in a plain RNN with small recurrent weights', () => {
    const model = new Model({
      cell: 'rnn',
      inputSize: 2,
      hiddenSize: 8,
      outputSize: 1,
      dtype: 'float64',
      seed: 1,
    });
    model.params.values.forEach((v, i) => (model.params.values[i] = 0.2 * v));
    const flow = gradientFlow(model, batch(40), { loss: mseLoss() });
    const norms = flow.steps[0].norms;
    expect(norms).toHaveLength(40);
    expect(norms[0]).toBeLessThan(norms[39]);
    expect(flow.verdict).toBe('vanishing');
    expect(flow.ratio).toBeLessThan(1e-3);
  });

  it('shows an exploding gradient when the recurrent weights are large', () => {
    const model = new Model({
      cell: 'rnn',
      nonlinearity: 'relu',
      inputSize: 2,
      hiddenSize: 8,
      outputSize: 1,
      dtype: 'float64',
      init: 'orthogonal',
      seed: 1,
    });
    const whh = model.params.get('rnn.weight_hh_l0')!;
    model.params.view(whh).forEach((v, i, a) => (a[i] = 1.6 * v));
    const flow = gradientFlow(model, batch(30), { loss: mseLoss() });
    expect(flow.verdict).toBe('exploding');
  });

  it('reports every layer and direction and every parameter, and changes no weight', () => {
    const model = new Model({
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: 3,
      numLayers: 2,
      bidirectional: true,
      outputSize: 1,
      unitForgetBias: true,
    });
    const before = model.params.values.slice();
    const flow = gradientFlow(model, batch(6), { loss: mseLoss(), from: 'all' });
    expect(flow.steps.map((s) => `${s.layer}:${s.direction}`)).toEqual([
      '0:forward',
      '0:backward',
      '1:forward',
      '1:backward',
    ]);
    expect(flow.parameters.map((p) => p.name)).toEqual(model.params.list.map((p) => p.name));
    expect(flow.parameters.every((p) => p.norm > 0)).toBe(true);
    expect(model.params.values).toEqual(before);
  });
});
