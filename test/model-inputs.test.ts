import { afterAll, describe, expect, it } from 'vitest';
import { Model, Rng, Tensor, gradientFlow, mseLoss } from '../src/index.js';

const randomTensor = (shape: number[], seed: number): Tensor => {
  const rng = new Rng(seed);
  return new Tensor(shape, 'float64').map(() => rng.uniform(-1, 1));
};

describe('nested arrays where tensors are expected', () => {
  it('backward accepts gradOutput and gradH as nested arrays, with the same result', () => {
    const make = () =>
      new Model({ inputSize: 2, hiddenSize: 3, outputSize: 1, dtype: 'float64', seed: 2 });
    const x = randomTensor([2, 3, 2], 1);
    const gy = randomTensor([2, 3, 1], 2);
    const gh = randomTensor([1, 2, 3], 3);
    const a = make();
    const b = make();
    a.forward(x);
    b.forward(x);
    const ra = a.backward(gy, { gradH: gh });
    const rb = b.backward(gy.toArray() as number[][][], { gradH: gh.toArray() as number[][][] });
    expect(b.params.grads).toEqual(a.params.grads);
    expect(rb.input?.data).toEqual(ra.input?.data);
  });

  it('backward rejects something that is neither clearly', () => {
    const m = new Model({ inputSize: 1, hiddenSize: 2, outputSize: 1 });
    m.forward([[[1], [2]]]);
    expect(() => m.backward('grad' as never)).toThrow(
      /gradOutput is "grad", expected a Tensor or nested arrays of numbers/,
    );
    expect(() => m.backward([[[1], [2], [3]]])).toThrow(
      /gradOutput has shape \[1, 3, 1\], expected \[1, 2, 1\]/,
    );
  });

  it('stream.reset accepts nested arrays and rejects other values clearly', () => {
    const m = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 2, outputSize: 1, seed: 1 });
    const s = m.createStream(1);
    s.reset({ h0: [[[0.5, -0.5]]], c0: [[[0.1, 0.2]]] });
    expect(Array.from(s.h)).toEqual([0.5, -0.5]);
    expect(() => s.reset({ h0: [[[0.5]]] })).toThrow(
      /h0 has shape \[1, 1, 1\], expected \[1, 1, 2\]/,
    );
    expect(() => s.reset({ h0: 'zeros' as never })).toThrow(/h0 is "zeros", expected a Tensor/);
    expect(() => s.reset({ h0: [[[NaN, 0]]] })).toThrow(/h0 has NaN at \[0, 0, 0\]/);
  });
});

describe('the encoded prior', () => {
  it("copies the caller's context: changing it between forward and backward changes nothing", () => {
    const make = () =>
      new Model({
        inputSize: 1,
        hiddenSize: 2,
        outputSize: 1,
        initialState: 'encoded',
        contextSize: 2,
        dtype: 'float64',
        seed: 3,
      });
    const x = randomTensor([2, 3, 1], 4);
    const gy = randomTensor([2, 3, 1], 5);
    const a = make();
    const b = make();
    const context = randomTensor([2, 2], 6);
    a.forward(x, { context: context.clone() });
    b.forward(x, { context });
    context.data.fill(100);
    const ra = a.backward(gy);
    const rb = b.backward(gy);
    expect(b.params.grads).toEqual(a.params.grads);
    expect(rb.context?.data).toEqual(ra.context?.data);
  });
});

describe('float32 state dicts', () => {
  it("reject values outside float32's range instead of storing Infinity", () => {
    const m = new Model({ inputSize: 1, hiddenSize: 2, outputSize: 1 });
    const before = m.params.values.slice();
    const dict = m.stateDict();
    const bias = { shape: [1], data: [1e39] };
    expect(() => m.loadStateDict({ ...dict, 'head.bias': bias })).toThrow(
      /state dict entry head.bias has 1e\+39 at 0, outside float32's range/,
    );
    expect(m.params.values).toEqual(before);
    const wide = new Model({ inputSize: 1, hiddenSize: 2, outputSize: 1, dtype: 'float64' });
    expect(() => wide.loadStateDict({ ...wide.stateDict(), 'head.bias': bias })).not.toThrow();
  });
});

describe('gradientFlow on a model using threads', () => {
  const threaded = new Model({
    inputSize: 2,
    hiddenSize: 3,
    outputSize: 1,
    dtype: 'float64',
    seed: 7,
  });
  afterAll(() => threaded.useThreads(1));

  it('records every sequence of the batch, as on one thread', async () => {
    const one = new Model({
      inputSize: 2,
      hiddenSize: 3,
      outputSize: 1,
      dtype: 'float64',
      seed: 7,
    });
    await threaded.useThreads(2);
    const batch = { input: randomTensor([8, 5, 2], 8), target: randomTensor([8, 5, 1], 9) };
    const a = gradientFlow(one, batch, { loss: mseLoss() });
    const b = gradientFlow(threaded, batch, { loss: mseLoss() });
    expect(b.steps[0].norms).toEqual(a.steps[0].norms);
    expect(b.ratio).toBe(a.ratio);
    expect(threaded.threads).toBe(2);
  });
});
