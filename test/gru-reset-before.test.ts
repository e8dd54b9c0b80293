import { describe, expect, it } from 'vitest';
import { Model, Rng, Tensor, gradCheck, mseLoss } from '../src/index.js';
import { byBackend } from './helpers/backend.js';
import { expectClose } from './helpers/compare.js';

// GRU with linearBeforeReset: false. Its forward values are checked against ONNX's own
// reference outputs in test/onnx-conformance.test.ts (the test_gru_* cases use
// linear_before_reset=0); here its gradients, by finite differences and across backends.

function data(dtype: 'float32' | 'float64', B: number, T: number, I: number, O: number) {
  const rng = new Rng(6);
  const input = new Tensor([B, T, I], dtype);
  const target = new Tensor([B, T, O], dtype);
  for (let i = 0; i < input.size; i++) input.data[i] = rng.normal();
  for (let i = 0; i < target.size; i++) target.data[i] = rng.normal();
  return { input, target };
}

const options = {
  cell: 'gru' as const,
  linearBeforeReset: false,
  inputSize: 2,
  hiddenSize: 3,
  numLayers: 2,
  bidirectional: true,
  outputSize: 2,
  seed: 3,
};

describe('GRU with the reset gate before the hidden product', () => {
  it('passes the finite-difference check on every parameter and the input', () => {
    const model = new Model({ ...options, dtype: 'float64', initialState: 'learned' });
    const rng = new Rng(1);
    for (let i = 0; i < model.params.values.length; i++) model.params.values[i] = rng.normal() / 2;
    const batch = { ...data('float64', 3, 5, 2, 2), lengths: [5, 2, 4] };
    const r = gradCheck(model, batch, { loss: mseLoss() });
    expect(r.passed, `largest error ${r.maxError}`).toBe(true);
  });

  it('differs from PyTorch form for the same weights', () => {
    const a = new Model({ ...options });
    const b = new Model({ ...options, linearBeforeReset: true });
    b.loadStateDict(a.stateDict());
    const { input } = data('float32', 2, 4, 2, 2);
    const diff = a.forward(input).output.data.some((v, i) => v !== b.forward(input).output.data[i]);
    expect(diff).toBe(true);
  });

  for (const [bias, backend] of byBackend([true, false])) {
    it(`trains alike on ${backend} and float64 (bias ${bias})`, () => {
      const m = new Model({ ...options, bias, backend });
      const exact = new Model({ ...options, bias, dtype: 'float64' });
      exact.loadStateDict(m.stateDict());
      for (const [model, dtype] of [
        [m, 'float32'],
        [exact, 'float64'],
      ] as const) {
        const { input, target } = data(dtype, 3, 6, 2, 2);
        const { output } = model.forward(input, { lengths: [6, 3, 1] });
        model.zeroGrad();
        model.backward(mseLoss().compute(output, target).grad);
      }
      expectClose('gradients', m.params.grads, exact.params.grads, 3e-4, 'relativeAbove1');
    });
  }

  it('is an option of the GRU only, saved with the model', () => {
    expect(() => new Model({ inputSize: 1, hiddenSize: 2, linearBeforeReset: false })).toThrow(
      "linearBeforeReset applies to the 'gru' cell only, not 'rnn'",
    );
    const m = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 2, linearBeforeReset: false });
    expect(Model.fromJSON(m.toJSON()).options.linearBeforeReset).toBe(false);
    expect(Model.fromSafetensors(m.toSafetensors()).options.linearBeforeReset).toBe(false);
    const pytorch = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 2 });
    expect('linearBeforeReset' in pytorch.toJSON().options).toBe(false);
  });
});
