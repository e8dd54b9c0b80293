import type { Buf, KernelMemory } from './memory.js';
import type { WasmMemory } from './wasm-memory.js';

/**
 * Which kernels a model runs on: WebAssembly SIMD or the TypeScript reference kernels.
 * @category Kernels
 */
export type Backend = 'wasm' | 'js';

/**
 * The kernels of one model, over its own memory: chosen once when the model is built and
 * carried to everything it owns. Every product and copy of the recurrent stack, the head and
 * the initial state goes through it. Arrays are {@link Buf}s of {@link memory}; offsets and
 * strides count elements. Nothing is checked: callers pass valid ranges.
 */
export interface Kernels {
  readonly backend: Backend;
  /** Where the model's buffers live. */
  readonly memory: KernelMemory;
  /** The model's WebAssembly memory and instance (for cells' fused steps), or null on `'js'`. */
  readonly wasm: WasmMemory | null;
  /**
   * `C = op(A)·op(B)` (`+= ` when `accumulate`): op(A) `[M, K]` is A `[M, K]` or, with
   * `transA`, A `[K, M]`; op(B) `[K, N]` likewise; `ld*` are row strides.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: Buf,
    aOff: number,
    lda: number,
    B: Buf,
    bOff: number,
    ldb: number,
    C: Buf,
    cOff: number,
    ldc: number,
    accumulate: boolean,
  ): void;
  /** Adds the column sums of the `[rows, cols]` matrix at `a[aOff..]` (stride `lda`) into `out[outOff..]`. */
  addColumnSums(
    out: Buf,
    outOff: number,
    a: Buf,
    aOff: number,
    rows: number,
    cols: number,
    lda: number,
  ): void;
  /** Copies `rows` rows of `n` elements from `src[srcOff..]` (stride `lds`) to `dst[dstOff..]` (stride `ldd`). */
  copyRows(
    rows: number,
    n: number,
    dst: Buf,
    dstOff: number,
    ldd: number,
    src: Buf,
    srcOff: number,
    lds: number,
  ): void;
}
