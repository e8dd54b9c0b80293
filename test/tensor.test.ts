import { describe, expect, it } from 'vitest';
import { Rng, Tensor, orthogonalInit } from '../src/index.js';
import { copyVectors, swapAxes01, toBatchFirst, toTimeMajor } from '../src/tensor/ops.js';

describe('Tensor', () => {
  it('round-trips nested arrays with their shape', () => {
    const values = [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ];
    const t = Tensor.from(values, 'float64');
    expect(t.shape).toEqual([1, 3, 2]);
    expect(t.dtype).toBe('float64');
    expect(t.get(0, 2, 1)).toBe(6);
    expect(t.toArray()).toEqual(values);
  });

  it('rejects ragged arrays, non-numbers and data of the wrong length', () => {
    expect(() => Tensor.from([[1, 2], [3]])).toThrow(
      'value at [1] is an array of length 1, expected an array of length 2',
    );
    expect(() => Tensor.from([[1, 'x' as unknown as number]])).toThrow(
      'value at [0][1] is "x", expected a number',
    );
    expect(() => new Tensor([2, 2], new Float32Array(3))).toThrow(
      'data has 3 elements, shape [2, 2] needs 4',
    );
    expect(() => new Tensor([2, -1])).toThrow(RangeError);
    expect(() => new Tensor([2], 'int8' as never)).toThrow(
      `dtype is "int8", expected one of 'float32', 'float64'`,
    );
  });

  it('adds, subtracts, multiplies and scales element-wise, and checks shapes', () => {
    const a = Tensor.from([1, 2, 3]);
    const b = Tensor.from([4, 5, 6]);
    expect(Array.from(a.add(b).data)).toEqual([5, 7, 9]);
    expect(Array.from(b.sub(a).data)).toEqual([3, 3, 3]);
    expect(Array.from(a.mul(b).data)).toEqual([4, 10, 18]);
    expect(Array.from(a.scale(2).data)).toEqual([2, 4, 6]);
    expect(Array.from(a.map((v, i) => v * i).data)).toEqual([0, 2, 6]);
    expect(() => a.add(Tensor.from([1, 2]))).toThrow('add: shapes [3] and [2] differ');
  });

  it('converts between dtypes when cloning', () => {
    const t = Tensor.from([0.1, 0.2], 'float64').clone('float32');
    expect(t.dtype).toBe('float32');
    expect(t.data[0]).toBeCloseTo(0.1, 7);
  });
});

describe('Rng', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    const c = new Rng(4);
    const draw = (r: Rng) => Array.from({ length: 5 }, () => r.next());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const r = new Rng(9);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });

  it('gives orthonormal columns for a tall orthogonal matrix', () => {
    const w = new Float64Array(6 * 3);
    orthogonalInit(w, new Rng(1), 6, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let d = 0;
        for (let k = 0; k < 6; k++) d += w[k * 3 + i] * w[k * 3 + j];
        expect(d).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });
});

describe('time windows', () => {
  // [B=2, T=3, F=2] with element (b, t, f) = 100b + 10t + f
  const B = 2,
    T = 3,
    F = 2;
  const batchFirst = Float32Array.from({ length: B * T * F }, (_, i) => {
    const [b, t, f] = [Math.floor(i / (T * F)), Math.floor(i / F) % T, i % F];
    return 100 * b + 10 * t + f;
  });

  it('toTimeMajor copies steps t0 .. t0+n-1 into [n, B, F]', () => {
    const dst = new Float32Array(2 * B * F).fill(-1);
    toTimeMajor(dst, batchFirst, B, T, F, 1, 2);
    expect(Array.from(dst)).toEqual([10, 11, 110, 111, 20, 21, 120, 121]);
  });

  it('toBatchFirst writes [n, B, F] back at steps t0 .. t0+n-1 and nothing else', () => {
    const window = Float32Array.from([10, 11, 110, 111, 20, 21, 120, 121]);
    const dst = new Float32Array(B * T * F).fill(-1);
    toBatchFirst(dst, window, B, T, F, 1, 2);
    expect(Array.from(dst)).toEqual([-1, -1, 10, 11, 20, 21, -1, -1, 110, 111, 120, 121]);
  });
  it('swapAxes01 transposes [rows, cols] of vectors of every width (four a pass and the rest)', () => {
    for (const width of [1, 3, 4, 6, 9]) {
      const [rows, cols] = [3, 5];
      const src = Float64Array.from({ length: rows * cols * width }, (_, i) => i + 0.5);
      const dst = new Float64Array(src.length).fill(NaN);
      swapAxes01(dst, src, rows, cols, width);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          for (let k = 0; k < width; k++)
            expect(dst[(c * rows + r) * width + k]).toBe(src[(r * cols + c) * width + k]);
    }
  });

  it('copyVectors moves only the vectors it is given, at their strides', () => {
    const src = Float32Array.from({ length: 40 }, (_, i) => i);
    const dst = new Float32Array(40).fill(-1);
    copyVectors(3, 5, dst, 2, 12, src, 1, 7);
    const expected = new Float32Array(40).fill(-1);
    for (let i = 0; i < 3; i++)
      for (let k = 0; k < 5; k++) expected[2 + 12 * i + k] = 1 + 7 * i + k;
    expect(Array.from(dst)).toEqual(Array.from(expected));
  });
});
