import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue, gradNorm, type NormType } from '../src/index.js';
import { maxError } from './helpers/compare.js';

// Made by scripts/golden_optim.py from torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
interface Stored {
  shape: number[];
  data: number[];
}

interface ClipCase {
  name: string;
  kind: 'norm' | 'value';
  maxNorm?: number;
  normType?: NormType;
  clipValue?: number;
  totalNorm?: number;
  grads: Stored[];
  clipped: Stored[];
}

const cases = (
  JSON.parse(readFileSync(new URL('./golden-optim/optimizers.json', import.meta.url), 'utf8')) as {
    clip: ClipCase[];
  }
).clip;

/** The gradient tensors in order as one flat array, as rnnkit holds them. */
function flatten(ts: Stored[]): Float64Array {
  return Float64Array.from(ts.flatMap((t) => t.data));
}

const TOL = 1e-12;

describe('clipping against torch.nn.utils', () => {
  it('has norm cases above, under and at the threshold, and a value case', () => {
    const norms = cases.filter((c) => c.kind === 'norm');
    expect(norms.some((c) => c.totalNorm! > c.maxNorm!)).toBe(true);
    expect(norms.some((c) => c.totalNorm! < c.maxNorm!)).toBe(true);
    expect(norms.some((c) => c.totalNorm === c.maxNorm)).toBe(true);
    expect(new Set(norms.map((c) => c.normType))).toEqual(new Set([2, 'inf']));
    expect(cases.some((c) => c.kind === 'value')).toBe(true);
  });

  for (const c of cases.filter((k) => k.kind === 'norm')) {
    it(`matches clip_grad_norm_: ${c.name}`, () => {
      const g = flatten(c.grads);
      const norm = clipGradNorm(g, c.maxNorm!, c.normType);
      expect(Math.abs(norm - c.totalNorm!)).toBeLessThanOrEqual(TOL * Math.max(1, c.totalNorm!));
      const expected = flatten(c.clipped);
      const scale = Math.max(1, ...expected.map(Math.abs));
      expect(maxError(g, expected)).toBeLessThanOrEqual(TOL * scale);
    });
  }

  for (const c of cases.filter((k) => k.kind === 'value')) {
    it(`matches clip_grad_value_: ${c.name}`, () => {
      const g = flatten(c.grads);
      const expected = flatten(c.clipped);
      expect(expected.some((v) => v === c.clipValue)).toBe(true);
      expect(expected.some((v) => v === -c.clipValue!)).toBe(true);
      clipGradValue(g, c.clipValue!);
      expect(Array.from(g)).toEqual(Array.from(expected));
    });
  }
});

describe('clipGradNorm', () => {
  it('returns the L2 norm before clipping and rescales to maxNorm', () => {
    const g = Float64Array.from([3, -4]);
    expect(clipGradNorm(g, 1)).toBe(5);
    expect(gradNorm(g)).toBeCloseTo(5 / (5 + 1e-6), 14);
    expect(g[0]).toBeCloseTo(3 / (5 + 1e-6), 14);
    expect(g[1]).toBeCloseTo(-4 / (5 + 1e-6), 14);
  });

  it('returns the max-abs norm before clipping with normType inf', () => {
    const g = Float64Array.from([1, -6, 2]);
    expect(clipGradNorm(g, 3, 'inf')).toBe(6);
    expect(gradNorm(g, 'inf')).toBeCloseTo(3 * (6 / (6 + 1e-6)), 14);
  });

  it.each([2, 'inf'] as const)('leaves gradients under the threshold unchanged (norm %s)', (t) => {
    const values = [0.1, -0.2, 0.05, 0];
    const g = Float64Array.from(values);
    const norm = clipGradNorm(g, 1, t);
    expect(norm).toBe(gradNorm(Float64Array.from(values), t));
    expect(norm).toBeGreaterThan(0);
    expect(Array.from(g)).toEqual(values);
  });

  it.each([
    { what: 'NaN first', values: [NaN, 3, -4], normType: 2 },
    { what: 'NaN first', values: [NaN, 3, -4], normType: 'inf' },
    { what: 'NaN last', values: [3, -4, NaN], normType: 2 },
    { what: 'NaN last', values: [3, -4, NaN], normType: 'inf' },
    { what: 'Infinity', values: [3, Infinity, -4], normType: 2 },
    { what: 'Infinity', values: [3, Infinity, -4], normType: 'inf' },
    { what: '-Infinity', values: [-Infinity, 3, -4], normType: 2 },
    { what: '-Infinity', values: [-Infinity, 3, -4], normType: 'inf' },
  ] as const)(
    'returns a non-finite norm and leaves gradients unchanged with $what (norm $normType)',
    ({ values, normType }) => {
      const g = Float64Array.from(values);
      const norm = clipGradNorm(g, 1, normType);
      expect(Number.isFinite(norm), `norm is ${norm}`).toBe(false);
      expect(Array.from(g)).toEqual(values);
    },
  );

  it.each([
    { maxNorm: 0, error: RangeError },
    { maxNorm: -1, error: RangeError },
    { maxNorm: Infinity, error: RangeError },
    { maxNorm: NaN, error: TypeError },
  ])('rejects maxNorm = $maxNorm with a $error.name', ({ maxNorm, error }) => {
    const g = Float64Array.from([3, -4]);
    expect(() => clipGradNorm(g, maxNorm)).toThrow(error);
    expect(() => clipGradNorm(g, maxNorm)).toThrow(`maxNorm is ${maxNorm}`);
    expect(Array.from(g)).toEqual([3, -4]);
  });

  it('rejects an unknown normType', () => {
    const g = Float64Array.from([3, -4]);
    expect(() => clipGradNorm(g, 1, 1 as unknown as NormType)).toThrow(TypeError);
    expect(Array.from(g)).toEqual([3, -4]);
  });
});

describe('clipGradValue', () => {
  it('clamps every gradient to [-value, value] and keeps the others', () => {
    const g = Float64Array.from([-3, -2, -1.5, 0, 1.5, 2, 2.5]);
    clipGradValue(g, 2);
    expect(Array.from(g)).toEqual([-2, -2, -1.5, 0, 1.5, 2, 2]);
  });

  it('clamps a Float32Array in place', () => {
    const g = Float32Array.from([-10, 0.25, 10]);
    clipGradValue(g, 0.5);
    expect(Array.from(g)).toEqual([-0.5, 0.25, 0.5]);
  });

  it.each([0, -1, NaN, Infinity])('rejects clipValue = %s', (v) => {
    const g = Float64Array.from([3, -4]);
    expect(() => clipGradValue(g, v)).toThrow(`clipValue is ${v}`);
    expect(Array.from(g)).toEqual([3, -4]);
  });
});
