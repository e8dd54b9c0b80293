import type { FloatArray } from './dtype.js';

/** Copies `n` elements from `src[srcOff..]` to `dst[dstOff..]` without creating a view. */
export function copy(
  dst: FloatArray,
  dstOff: number,
  src: FloatArray,
  srcOff: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i];
}

/** Adds the column sums of the `[rows, cols]` matrix `a` (row stride `lda`) into `out[outOff..]`. */
export function addColumnSums(
  out: FloatArray,
  outOff: number,
  a: FloatArray,
  aOff: number,
  rows: number,
  cols: number,
  lda: number,
): void {
  for (let r = 0; r < rows; r++) {
    const row = aOff + r * lda;
    for (let c = 0; c < cols; c++) out[outOff + c] += a[row + c];
  }
}

/** Index of the first non-finite element, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return i;
  }
  return -1;
}

/** The logistic sigmoid 1 / (1 + e^-x), stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Copies `count` vectors of `width` numbers: vector `i` from `src[srcOff + i·srcStride ..]` to
 * `dst[dstOff + i·dstStride ..]`. The layout changes below are made of it; four elements a
 * pass keep the loop short for the narrow vectors (a step's features) they move.
 */
export function copyVectors(
  count: number,
  width: number,
  dst: FloatArray,
  dstOff: number,
  dstStride: number,
  src: FloatArray,
  srcOff: number,
  srcStride: number,
): void {
  const quads = width & ~3;
  for (let i = 0; i < count; i++) {
    let d = dstOff + i * dstStride;
    let s = srcOff + i * srcStride;
    const end = s + quads;
    for (; s < end; s += 4, d += 4) {
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
      dst[d + 2] = src[s + 2];
      dst[d + 3] = src[s + 3];
    }
    for (let k = quads; k < width; k++) dst[d++] = src[s++];
  }
}

/**
 * Transposes a `[rows, cols]` block between batch-first and time-major layouts:
 * `dst[c][r] = src[r][c]` where each element is a vector of `width` numbers.
 * Used to turn `[B, T, F]` into `[T, B, F]` and back.
 */
export function swapAxes01(
  dst: FloatArray,
  src: FloatArray,
  rows: number,
  cols: number,
  width: number,
): void {
  for (let c = 0; c < cols; c++)
    copyVectors(rows, width, dst, c * rows * width, width, src, c * width, cols * width);
}

/**
 * Copies steps `t0 .. t0+n-1` of a batch-first `[B, T, F]` array into a time-major `[n, B, F]`
 * one: `dst[t][b] = src[b][t0 + t]`.
 */
export function toTimeMajor(
  dst: FloatArray,
  src: FloatArray,
  B: number,
  T: number,
  F: number,
  t0: number,
  n: number,
): void {
  for (let t = 0; t < n; t++) copyVectors(B, F, dst, t * B * F, F, src, (t0 + t) * F, T * F);
}

/**
 * Writes a time-major `[n, B, F]` block as steps `t0 .. t0+n-1` of a batch-first `[B, T, F]`
 * array: `dst[b][t0 + t] = src[t][b]`.
 */
export function toBatchFirst(
  dst: FloatArray,
  src: FloatArray,
  B: number,
  T: number,
  F: number,
  t0: number,
  n: number,
): void {
  for (let t = 0; t < n; t++) copyVectors(B, F, dst, (t0 + t) * F, T * F, src, t * B * F, F);
}
