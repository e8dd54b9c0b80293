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
 * reading four elements of op(A) and four of op(B) per step along K; a transpose only
 * changes the strides it walks. Sums are kept in float64 whatever the storage type.
 * It allocates nothing and checks nothing: callers validate shapes.
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
  // Strides of op(A) along i (rows) and k, and of op(B) along j (columns) and k.
  const ais = transA ? 1 : lda;
  const aks = transA ? lda : 1;
  const bjs = transB ? ldb : 1;
  const bks = transB ? 1 : ldb;
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    for (let j = 0; j < N4; j += 4) {
      tile4x4(
        K,
        A,
        aOff + i * ais,
        ais,
        aks,
        B,
        bOff + j * bjs,
        bjs,
        bks,
        C,
        cOff + i * ldc + j,
        ldc,
        accumulate,
      );
    }
    for (let j = N4; j < N; j++) {
      for (let r = 0; r < 4; r++) {
        const c = cOff + (i + r) * ldc + j;
        const s = dot(K, A, aOff + (i + r) * ais, aks, B, bOff + j * bjs, bks);
        C[c] = accumulate ? C[c] + s : s;
      }
    }
  }
  for (let i = M4; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const c = cOff + i * ldc + j;
      const s = dot(K, A, aOff + i * ais, aks, B, bOff + j * bjs, bks);
      C[c] = accumulate ? C[c] + s : s;
    }
  }
}

function dot(
  K: number,
  A: FloatArray,
  pa: number,
  aks: number,
  B: FloatArray,
  pb: number,
  bks: number,
): number {
  let s = 0;
  for (let k = 0; k < K; k++) {
    s += A[pa] * B[pb];
    pa += aks;
    pb += bks;
  }
  return s;
}

function tile4x4(
  K: number,
  A: FloatArray,
  pa: number,
  ais: number,
  aks: number,
  B: FloatArray,
  pb: number,
  bjs: number,
  bks: number,
  C: FloatArray,
  pc: number,
  ldc: number,
  accumulate: boolean,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  const ai2 = 2 * ais,
    ai3 = 3 * ais,
    bj2 = 2 * bjs,
    bj3 = 3 * bjs;
  for (let k = 0; k < K; k++) {
    const a0 = A[pa],
      a1 = A[pa + ais],
      a2 = A[pa + ai2],
      a3 = A[pa + ai3];
    const b0 = B[pb],
      b1 = B[pb + bjs],
      b2 = B[pb + bj2],
      b3 = B[pb + bj3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    pa += aks;
    pb += bks;
  }
  const r1 = pc + ldc,
    r2 = r1 + ldc,
    r3 = r2 + ldc;
  if (accumulate) {
    C[pc] += c00;
    C[pc + 1] += c01;
    C[pc + 2] += c02;
    C[pc + 3] += c03;
    C[r1] += c10;
    C[r1 + 1] += c11;
    C[r1 + 2] += c12;
    C[r1 + 3] += c13;
    C[r2] += c20;
    C[r2 + 1] += c21;
    C[r2 + 2] += c22;
    C[r2 + 3] += c23;
    C[r3] += c30;
    C[r3 + 1] += c31;
    C[r3 + 2] += c32;
    C[r3 + 3] += c33;
  } else {
    C[pc] = c00;
    C[pc + 1] = c01;
    C[pc + 2] = c02;
    C[pc + 3] = c03;
    C[r1] = c10;
    C[r1 + 1] = c11;
    C[r1 + 2] = c12;
    C[r1 + 3] = c13;
    C[r2] = c20;
    C[r2 + 1] = c21;
    C[r2 + 2] = c22;
    C[r2 + 3] = c23;
    C[r3] = c30;
    C[r3 + 1] = c31;
    C[r3 + 2] = c32;
    C[r3 + 3] = c33;
  }
}
