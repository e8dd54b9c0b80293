import { describe, expect, it } from 'vitest';
import { Model, Tensor, gradNorm, padSequences } from '../src/index.js';

describe('gradient norms of huge float64 gradients', () => {
  it('stays finite and exact above 1e154, where the plain sum of squares overflows', () => {
    const g = Float64Array.of(3e200, -4e200);
    expect(gradNorm(g)).toBeCloseTo(5e200, -190);
    expect(gradNorm(g) / 5e200).toBeCloseTo(1, 14);
    expect(gradNorm(Float64Array.of(1e300, 1e300))).toBeCloseTo(Math.SQRT2 * 1e300, -285);
  });

  it('is still Infinity or NaN for infinite or NaN gradients', () => {
    expect(gradNorm(Float64Array.of(1e200, Infinity))).toBe(Infinity);
    expect(gradNorm(Float64Array.of(1e200, NaN))).toBeNaN();
    expect(gradNorm(Float64Array.of(1e308, 1e308, 1e308))).toBeCloseTo(Math.sqrt(3) * 1e308, -293);
  });
});

describe('padSequences', () => {
  it.each([
    [
      'NaN',
      [[[1, NaN]], [[1, 2]]],
      RangeError,
      /sequence 0 step 0 feature 1 is NaN, expected a finite number/,
    ],
    [
      'a string',
      [[[1, '2']]],
      TypeError,
      /sequence 0 step 0 feature 1 is "2", expected a finite number/,
    ],
    ['Infinity', [[[1]], [[2], [Infinity]]], RangeError, /sequence 1 step 1 feature 0 is Infinity/],
    ['a step that is not an array', [[5]], TypeError, /sequence 0 step 0 is 5, expected an array/],
  ])('rejects %s clearly', (_, sequences, kind, pattern) => {
    const call = () => padSequences(sequences as number[][][]);
    expect(call).toThrow(kind);
    expect(call).toThrow(pattern);
  });
});

describe('tensor shapes', () => {
  it.each([
    ['a string', '3,4', TypeError, /shape is "3,4", expected an array of non-negative integers/],
    ['string sizes', ['3', '4'], TypeError, /shape\[0\] is "3", expected a non-negative integer/],
    ['a fraction', [2, 1.5], RangeError, /shape\[1\] is 1.5, expected a non-negative integer/],
    ['a negative size', [-1], RangeError, /shape\[0\] is -1/],
    [
      'too many elements',
      [1e9, 1e9],
      RangeError,
      /has 1000000000000000000 elements, more than a tensor can hold/,
    ],
  ])('rejects %s clearly', (_, shape, kind, pattern) => {
    const call = () => new Tensor(shape as number[]);
    expect(call).toThrow(kind);
    expect(call).toThrow(pattern);
    expect(() => Tensor.zeros(shape as number[])).toThrow(pattern);
  });
});

describe('nested arrays', () => {
  it('rejects nesting 100 000 deep with a RangeError instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => Tensor.from(deep as number[])).toThrow(/more than 32 levels deep/);
  });
});

describe("values outside float32's range", () => {
  const model = new Model({ inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 1 });
  const input = new Tensor([1, 2, 2], 'float64').map((_, i) => (i === 3 ? 1e39 : 0.5));

  it('are rejected in a float64 input to a float32 model, not stored as Infinity', () => {
    expect(() => model.forward(input)).toThrow(
      /input has 1e\+39 at \[0, 1, 1\], outside float32's range/,
    );
    expect(() => model.forward(input.toArray() as number[][][])).toThrow(
      /input has 1e\+39 at \[0, 1, 1\], outside float32's range/,
    );
  });

  it('are rejected in a float64 h0 for a float32 model', () => {
    const h0 = new Tensor([1, 1, 3], 'float64').map((_, i) => (i === 2 ? -1e39 : 0));
    expect(() => model.forward(new Tensor([1, 2, 2]), { h0 })).toThrow(
      /h0 has -1e\+39 at \[0, 0, 2\], outside float32's range/,
    );
  });

  it('are accepted by a float64 model', () => {
    const wide = new Model({ inputSize: 2, hiddenSize: 3, dtype: 'float64' });
    expect(() => wide.forward(input)).not.toThrow();
  });
});
