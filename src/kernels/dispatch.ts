// Entry points with the TypeScript kernels' signatures that run on the WebAssembly kernels when
// every array involved is a view into their memory, and on the TypeScript kernels otherwise.

import type { FloatArray } from '../tensor/dtype.js';
import { gemm as gemmTs } from '../tensor/gemm.js';
import { addColumnSums as addColumnSumsTs } from '../tensor/ops.js';
import { inWasm, kernelScratch } from './allocator.js';
import { wasmRuntime } from './backend.js';

/**
 * The gemm of `src/tensor/gemm.ts` (same arguments and meaning), run by the WebAssembly SIMD
 * kernel when A, B and C are all float32 views into its memory, else by the TypeScript kernel.
 * The wasm kernel sums in float32; the TypeScript one in float64.
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
  if (M > 0 && N > 0 && K > 0 && inWasm(A, B, C)) {
    const scratch = kernelScratch((Math.ceil(N / 8) * 8 + Math.ceil(M / 4) * 4) * K + M * N);
    if (scratch >= 0) {
      // prettier-ignore
      wasmRuntime()!.kernels.gemm(
        +transA, +transB, M, N, K,
        A.byteOffset + 4 * aOff, lda, B.byteOffset + 4 * bOff, ldb,
        C.byteOffset + 4 * cOff, ldc, +accumulate, 0, scratch,
      );
      return;
    }
  }
  gemmTs(transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate);
}

/**
 * `addColumnSums` of `src/tensor/ops.ts` (adds the column sums of a `[rows, cols]` matrix into
 * `out[outOff..]`), on the wasm kernel when both arrays are views into its memory.
 */
export function addColumnSums(
  out: FloatArray,
  outOff: number,
  a: FloatArray,
  aOff: number,
  rows: number,
  cols: number,
  lda: number,
): void {
  if (inWasm(out, a)) {
    const k = wasmRuntime()!.kernels;
    k.addColumnSums(out.byteOffset + 4 * outOff, a.byteOffset + 4 * aOff, rows, cols, lda);
    return;
  }
  addColumnSumsTs(out, outOff, a, aOff, rows, cols, lda);
}

/**
 * Copies `rows` rows of `n` elements from `src[srcOff..]` (row stride `lds`) to `dst[dstOff..]`
 * (row stride `ldd`), on the wasm kernel when both arrays are views into its memory.
 */
export function copyRows(
  rows: number,
  n: number,
  dst: FloatArray,
  dstOff: number,
  ldd: number,
  src: FloatArray,
  srcOff: number,
  lds: number,
): void {
  if (inWasm(dst, src)) {
    const k = wasmRuntime()!.kernels;
    k.copyRows(rows, n, dst.byteOffset + 4 * dstOff, ldd, src.byteOffset + 4 * srcOff, lds);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const d = dstOff + r * ldd;
    const s = srcOff + r * lds;
    for (let j = 0; j < n; j++) dst[d + j] = src[s + j];
  }
}
