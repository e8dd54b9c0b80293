import type { Kernels } from '../kernels/kernels.js';
import type { Buf } from '../kernels/memory.js';

/** Offsets of a linear layer `y = W x + b` in the flat parameter array (`bias` -1: none). */
export interface LinearWeights {
  readonly weight: number;
  readonly bias: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/** `y[rows, out] = x[rows, in]·Wᵀ + b` for every row at once, with the parameters in `p`. */
export function linearForward(
  k: Kernels,
  lin: LinearWeights,
  p: Buf,
  x: Buf,
  rows: number,
  y: Buf,
): void {
  const { weight, bias, inFeatures: n, outFeatures: m } = lin;
  // With a bias, every row of y starts as b (one row read `rows` times) and the product is added.
  if (bias >= 0) k.copyRows(rows, m, y, 0, m, p, bias, 0);
  k.gemm(false, true, rows, m, n, x, 0, n, p, weight, n, y, 0, m, bias >= 0);
}

/**
 * Accumulates `dW += dyᵀ·x`, `db += Σ dy` into `g`, and writes `dx = dy·W` when `dx` is given.
 */
export function linearBackward(
  k: Kernels,
  lin: LinearWeights,
  p: Buf,
  g: Buf,
  x: Buf,
  dy: Buf,
  rows: number,
  dx: Buf | null,
): void {
  const { weight, bias, inFeatures: n, outFeatures: m } = lin;
  k.gemm(true, false, m, n, rows, dy, 0, m, x, 0, n, g, weight, n, true);
  if (bias >= 0) k.addColumnSums(g, bias, dy, 0, rows, m, m);
  if (dx !== null) k.gemm(false, false, rows, n, m, dy, 0, m, p, weight, n, dx, 0, n, false);
}
