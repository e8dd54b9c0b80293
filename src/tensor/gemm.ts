import type { FloatArray } from './dtype.js';

/**
 * General matrix multiply, the one kernel every product in rnnkit goes through:
 * `C = op(A)·op(B)` (or `C += op(A)·op(B)` when `accumulate` is true).
 *
 * `op(A)` is `[M, K]`: A is stored row-major as `[M, K]`, or as `[K, M]` when `transA`.
 * `op(B)` is `[K, N]`: B is stored row-major as `[K, N]`, or as `[N, K]` when `transB`.
 * `lda`, `ldb`, `ldc` are the row strides of the stored matrices and `aOff`, `bOff`, `cOff`
 * their first elements, so views into larger buffers need no copy.
 *
 * The kernel is register-blocked: it computes 4x4 tiles of C with sixteen running sums,
 * reading four elements of op(A) and four of op(B) per step along K. One generic tile takes
 * any strides; A transposed with B not (the weight-gradient products) has its own tile with
 * unit strides as constants, the one variant `bench/gemm.ts` shows to pay (about 1.25-1.3x).
 * Sums are kept in float64 whatever the storage type. It allocates nothing and checks nothing:
 * callers validate shapes.
 * @example
 * ```ts
 * import { gemm } from 'rnnkit';
 * const A = new Float32Array([1, 2, 3, 4]); // [2, 2]
 * const B = new Float32Array([1, 0, 0, 1]); // identity
 * const C = new Float32Array(4);
 * gemm(false, false, 2, 2, 2, A, 0, 2, B, 0, 2, C, 0, 2, false);
 * console.log(Array.from(C)); // [1, 2, 3, 4]
 * ```
 * @category Kernels
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  gemmTiles(true, transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate);
}

/**
 * {@link gemm} with a choice of tile: `specialised` uses the tile written for A transposed
 * with B not where it applies, false the generic strided tile everywhere. Measured by `bench/gemm.ts`; not public.
 */
export function gemmTiles(
  specialised: boolean,
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  // Strides of op(A) along its rows (i) and along k; of op(B) along its columns (j) and along k.
  const ais = transA ? 1 : lda;
  const aks = transA ? lda : 1;
  const bjs = transB ? ldb : 1;
  const bks = transB ? 1 : ldb;
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const pa = aOff + i * ais;
    for (let j = 0; j < N4; j += 4) {
      const pb = bOff + j * bjs;
      const pc = cOff + i * ldc + j;
      if (specialised && transA && !transB)
        tileTN(K, A, pa, lda, B, pb, ldb, C, pc, ldc, accumulate);
      else tileAny(K, A, pa, ais, aks, B, pb, bjs, bks, C, pc, ldc, accumulate);
    }
    for (let r = i; r < i + 4; r++)
      edge(r, N4, N, K, A, aOff, ais, aks, B, bOff, bjs, bks, C, cOff, ldc, accumulate);
  }
  for (let r = M4; r < M; r++) {
    const pa = aOff + r * ais;
    for (let j = 0; j < N4; j += 4) {
      row1x4(K, A, pa, aks, B, bOff + j * bjs, bjs, bks, C, cOff + r * ldc + j, accumulate);
    }
    edge(r, N4, N, K, A, aOff, ais, aks, B, bOff, bjs, bks, C, cOff, ldc, accumulate);
  }
}

/** Four adjacent elements of one row of C (rows of C left over by the 4x4 tiles, e.g. batch 1). */
// prettier-ignore
function row1x4(
  K: number, A: FloatArray, pa: number, aks: number,
  B: FloatArray, pb: number, bjs: number, bks: number,
  C: FloatArray, pc: number, accumulate: boolean,
): void {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  const b2 = 2 * bjs, b3 = 3 * bjs;
  for (let k = 0; k < K; k++) {
    const x = A[pa];
    c0 += x * B[pb]; c1 += x * B[pb + bjs]; c2 += x * B[pb + b2]; c3 += x * B[pb + b3];
    pa += aks;
    pb += bks;
  }
  if (accumulate) {
    C[pc] += c0; C[pc + 1] += c1; C[pc + 2] += c2; C[pc + 3] += c3;
  } else {
    C[pc] = c0; C[pc + 1] = c1; C[pc + 2] = c2; C[pc + 3] = c3;
  }
}

/** Row `r` of C from column `j0` to `N`, one dot product per element (the ragged edges). */
function edge(
  r: number,
  j0: number,
  N: number,
  K: number,
  A: FloatArray,
  aOff: number,
  ais: number,
  aks: number,
  B: FloatArray,
  bOff: number,
  bjs: number,
  bks: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  for (let j = j0; j < N; j++) {
    let s = 0;
    let pa = aOff + r * ais;
    let pb = bOff + j * bjs;
    for (let k = 0; k < K; k++) {
      s += A[pa] * B[pb];
      pa += aks;
      pb += bks;
    }
    const c = cOff + r * ldc + j;
    C[c] = accumulate ? C[c] + s : s;
  }
}

// prettier-ignore
function store(
  C: FloatArray, pc: number, ldc: number, accumulate: boolean,
  c00: number, c01: number, c02: number, c03: number, c10: number, c11: number, c12: number, c13: number,
  c20: number, c21: number, c22: number, c23: number, c30: number, c31: number, c32: number, c33: number,
): void {
  const r1 = pc + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  if (accumulate) {
    C[pc] += c00; C[pc + 1] += c01; C[pc + 2] += c02; C[pc + 3] += c03;
    C[r1] += c10; C[r1 + 1] += c11; C[r1 + 2] += c12; C[r1 + 3] += c13;
    C[r2] += c20; C[r2 + 1] += c21; C[r2 + 2] += c22; C[r2 + 3] += c23;
    C[r3] += c30; C[r3 + 1] += c31; C[r3 + 2] += c32; C[r3 + 3] += c33;
  } else {
    C[pc] = c00; C[pc + 1] = c01; C[pc + 2] = c02; C[pc + 3] = c03;
    C[r1] = c10; C[r1 + 1] = c11; C[r1 + 2] = c12; C[r1 + 3] = c13;
    C[r2] = c20; C[r2 + 1] = c21; C[r2 + 2] = c22; C[r2 + 3] = c23;
    C[r3] = c30; C[r3 + 1] = c31; C[r3 + 2] = c32; C[r3 + 3] = c33;
  }
}

/** A stored `[K, M]` and B `[K, N]`: four adjacent elements of each per step along k. */
// prettier-ignore
function tileTN(
  K: number, A: FloatArray, pa: number, lda: number, B: FloatArray, pb: number, ldb: number,
  C: FloatArray, pc: number, ldc: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < K; k++) {
    const x0 = A[pa], x1 = A[pa + 1], x2 = A[pa + 2], x3 = A[pa + 3];
    const y0 = B[pb], y1 = B[pb + 1], y2 = B[pb + 2], y3 = B[pb + 3];
    pa += lda;
    pb += ldb;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  store(C, pc, ldc, accumulate, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
}

/** Any strides: every combination of transposes but A transposed with B not. */
// prettier-ignore
function tileAny(
  K: number, A: FloatArray, pa: number, ais: number, aks: number,
  B: FloatArray, pb: number, bjs: number, bks: number,
  C: FloatArray, pc: number, ldc: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < K; k++) {
    const x0 = A[pa], x1 = A[pa + ais], x2 = A[pa + 2 * ais], x3 = A[pa + 3 * ais];
    const y0 = B[pb], y1 = B[pb + bjs], y2 = B[pb + 2 * bjs], y3 = B[pb + 3 * bjs];
    pa += aks;
    pb += bks;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  store(C, pc, ldc, accumulate, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
}
