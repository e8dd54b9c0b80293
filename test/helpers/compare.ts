import { expect } from 'vitest';

/**
 * How {@link maxError} scales the largest difference: not at all, by the largest |expected|
 * (the difference itself when expected is all zeros), or by the larger of that and 1.
 */
export type ErrorScale = 'absolute' | 'relative' | 'relativeAbove1';

/**
 * The largest `|got[i] − expected[i]|`, scaled as `scale` says. Infinity when the lengths
 * differ or any difference is NaN, so a comparison against a tolerance fails.
 */
export function maxError(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  scale: ErrorScale = 'absolute',
): number {
  if (got.length !== expected.length) return Infinity;
  let diff = 0;
  let top = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(got[i] - expected[i]);
    if (Number.isNaN(d)) return Infinity;
    diff = Math.max(diff, d);
    top = Math.max(top, Math.abs(expected[i]));
  }
  if (scale === 'absolute') return diff;
  if (scale === 'relativeAbove1') return diff / Math.max(1, top);
  return top === 0 ? diff : diff / top;
}

/** Asserts {@link maxError} of `got` against `expected` is at most `tol`, naming `what` on failure. */
export function expectClose(
  what: string,
  got: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  tol: number,
  scale: ErrorScale = 'absolute',
): void {
  const err = maxError(
    typeof got === 'number' ? [got] : got,
    typeof expected === 'number' ? [expected] : expected,
    scale,
  );
  expect(err, `${what}: ${scale} error ${err}`).toBeLessThanOrEqual(tol);
}
