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
