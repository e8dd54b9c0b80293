import { describe, expect, it } from 'vitest';
import { Model, Rng, Tensor, gradientFlow, mseLoss } from '../src/index.js';

describe('gradientFlow with padded batches', () => {
  it('measures the ratio from the last real step when every length is below T', () => {
    const model = new Model({
      inputSize: 2,
      hiddenSize: 4,
      outputSize: 1,
      dtype: 'float64',
      seed: 3,
    });
    const rng = new Rng(4);
    const input = new Tensor([3, 8, 2], 'float64').map(() => rng.normal());
    const target = new Tensor([3, 8, 1], 'float64');
    const padded = gradientFlow(model, { input, target, lengths: [5, 4, 5] }, { loss: mseLoss() });
    const norms = padded.steps[0].norms;
    expect(norms[7]).toBe(0);
    expect(padded.ratio).toBe(norms[0] / norms[4]);
    expect(Number.isFinite(padded.ratio)).toBe(true);
    expect(padded.verdict).not.toBe('exploding');
  });
});

describe('unitForgetBias', () => {
  it('is an error with bias: false, where there is no forget-gate bias to set', () => {
    expect(
      () =>
        new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 2, bias: false, unitForgetBias: true }),
    ).toThrow(/unitForgetBias sets the forget-gate bias, which bias: false removes/);
  });
});

describe('state dict errors', () => {
  const model = new Model({ inputSize: 1, hiddenSize: 2, outputSize: 1 });

  it('stay short however many entries are wrong', () => {
    const dict: Record<string, unknown> = { ...model.stateDict() };
    for (let i = 0; i < 100_000; i++) dict[`rnn.weight_ih_l${i + 1}`] = { shape: [1], data: [0] };
    expect(() => model.loadStateDict(dict as never)).toThrow(
      /^state dict has unexpected entries: rnn.weight_ih_l1, rnn.weight_ih_l2, rnn.weight_ih_l3 and 99997 more$/,
    );
  });

  it('describe a shape nested 100 000 deep instead of overflowing the stack', () => {
    let deep: unknown = 2;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const dict = { ...model.stateDict(), 'head.bias': { shape: deep, data: [0] } };
    expect(() => model.loadStateDict(dict as never)).toThrow(
      /^state dict entry head.bias has shape an array of length 1, expected \[1\]$/,
    );
  });
});
