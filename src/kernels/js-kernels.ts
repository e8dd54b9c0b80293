import { gemm } from '../tensor/gemm.js';
import { addColumnSums } from '../tensor/ops.js';
import type { Kernels } from './kernels.js';
import { HeapMemory, type Buf } from './memory.js';

/**
 * The TypeScript reference kernels over buffers on the JavaScript heap (either dtype). The
 * products sum in float64.
 */
export function jsKernels(): Kernels {
  return {
    backend: 'js',
    memory: new HeapMemory(),
    wasm: null,
    gemm(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, acc): void {
      gemm(tA, tB, M, N, K, A.a, aOff, lda, B.a, bOff, ldb, C.a, cOff, ldc, acc);
    },
    addColumnSums(out, outOff, a, aOff, rows, cols, lda): void {
      addColumnSums(out.a, outOff, a.a, aOff, rows, cols, lda);
    },
    copyRows,
  };
}

function copyRows(
  rows: number,
  n: number,
  dst: Buf,
  dstOff: number,
  ldd: number,
  src: Buf,
  srcOff: number,
  lds: number,
): void {
  const [d, s] = [dst.a, src.a];
  for (let r = 0; r < rows; r++) {
    const o = dstOff + r * ldd;
    const i = srcOff + r * lds;
    for (let j = 0; j < n; j++) d[o + j] = s[i + j];
  }
}
