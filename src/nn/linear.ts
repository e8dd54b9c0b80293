import type { FloatArray } from '../tensor/dtype.js';
import { addColumnSums, gemm } from '../kernels/dispatch.js';

/** Offsets of a linear layer `y = W x + b` in the flat parameter array (`bias` -1: none). */
export interface LinearWeights {
  readonly weight: number;
  readonly bias: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/** `y[rows, out] = x[rows, in]·Wᵀ + b` for every row at once. */
export function linearForward(
  lin: LinearWeights,
  p: FloatArray,
  x: FloatArray,
  rows: number,
  y: FloatArray,
): void {
  const { weight, bias, inFeatures: n, outFeatures: m } = lin;
  gemm(false, true, rows, m, n, x, 0, n, p, weight, n, y, 0, m, false);
  if (bias < 0) return;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) y[r * m + j] += p[bias + j];
  }
}

/**
 * Accumulates `dW += dyᵀ·x`, `db += Σ dy` into `g`, and writes `dx = dy·W` when `dx` is given.
 */
export function linearBackward(
  lin: LinearWeights,
  p: FloatArray,
  g: FloatArray,
  x: FloatArray,
  dy: FloatArray,
  rows: number,
  dx: FloatArray | null,
): void {
  const { weight, bias, inFeatures: n, outFeatures: m } = lin;
  gemm(true, false, m, n, rows, dy, 0, m, x, 0, n, g, weight, n, true);
  if (bias >= 0) addColumnSums(g, bias, dy, 0, rows, m, m);
  if (dx !== null) gemm(false, false, rows, n, m, dy, 0, m, p, weight, n, dx, 0, n, false);
}
