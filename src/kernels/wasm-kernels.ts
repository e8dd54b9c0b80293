import type { Kernels } from './kernels.js';
import type { WasmMemory } from './wasm-memory.js';

/** The WebAssembly SIMD kernels over a model's own memory (float32; products sum in float32). */
export function wasmKernels(memory: WasmMemory): Kernels {
  return {
    backend: 'wasm',
    memory,
    wasm: memory,
    gemm(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, acc): void {
      if (M === 0 || N === 0) return;
      if (K === 0) {
        if (!acc) for (let r = 0; r < M; r++) C.a.fill(0, cOff + r * ldc, cOff + r * ldc + N);
        return;
      }
      const k = memory.exports;
      const scratch = memory.scratch(k.gemmScratch(tA, tB, M, N, K));
      // prettier-ignore
      k.gemm(tA, tB, M, N, K, A.at(aOff), lda, B.at(bOff), ldb, C.at(cOff), ldc, acc, 0, scratch);
    },
    addColumnSums(out, outOff, a, aOff, rows, cols, lda): void {
      memory.exports.addColumnSums(out.at(outOff), a.at(aOff), rows, cols, lda);
    },
    copyRows(rows, n, dst, dstOff, ldd, src, srcOff, lds): void {
      memory.exports.copyRows(rows, n, dst.at(dstOff), ldd, src.at(srcOff), lds);
    },
  };
}
