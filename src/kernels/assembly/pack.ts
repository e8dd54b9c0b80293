// Packed copies of the operands of a product, and the scratch they take: op(B) in strips of
// eight columns ([K][8] per strip) and op(A) in panels of four rows ([K][4] per panel, one block
// of K at a time), both zero-padded, so the tiles of gemm.ts read contiguous bytes at every step
// along K and find the four rows of op(A) at fixed offsets from one pointer.

import { vload } from './vector';

/** Packs op(B) `[K, N]` into strips of eight columns at `dst`: `dst[s][k][0..8)`, zero-padded. */
export function packB(transB: bool, K: i32, N: i32, b: usize, ldb: i32, dst: usize): void {
  if (transB) {
    packTransposed(K, N, b, ldb, dst, <usize>K << 5);
    return;
  }
  for (let j0 = 0; j0 < N; j0 += 8) {
    const w = min(8, N - j0);
    if (w == 8) {
      // Whole strips of rows stored contiguously: two vector copies a row.
      for (let k = 0; k < K; k++) {
        const src = b + ((<usize>k * ldb + j0) << 2);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
      }
      continue;
    }
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < 8; c++) {
        store<f32>(dst, c < w ? load<f32>(b + ((<usize>k * ldb + j0 + c) << 2)) : 0);
        dst += 4;
      }
    }
  }
}

/**
 * Packs op(B) = `[B1ᵀ; B2ᵀ]` for B1 `[N, K1]` and B2 `[N, K2]` (row strides `ld1`, `ld2`):
 * the strips {@link packB} makes of one `[K1 + K2, N]` operand, whose first K1 rows come from
 * B1. A recurrent step multiplies `[x_t | h_{t-1}]` by it: `W_ih` and `W_hh` in one product.
 */
export function packBStacked(
  N: i32, K1: i32, b1: usize, ld1: i32, K2: i32, b2: usize, ld2: i32, dst: usize,
): void {
  const stripBytes = <usize>(K1 + K2) << 5;
  packTransposed(K1, N, b1, ld1, dst, stripBytes);
  packTransposed(K2, N, b2, ld2, dst + (<usize>K1 << 5), stripBytes);
}

/**
 * Strips of op(B) = Bᵀ for B `[N, K]` (row stride `ldb`): strip s, `[K][8]`, at
 * `dst + s·stripBytes`, zero-padded. Eight rows of B give one strip; four steps of k at a time
 * are two 4x4 transposes in registers.
 */
function packTransposed(K: i32, N: i32, b: usize, ldb: i32, dst: usize, stripBytes: usize): void {
  const rowBytes = <usize>ldb << 2;
  for (let j0 = 0, s = 0; j0 < N; j0 += 8, s++) {
    const w = min(8, N - j0);
    const r0 = b + <usize>j0 * rowBytes;
    let out = dst + <usize>s * stripBytes;
    let k = 0;
    if (w == 8) {
      const r4 = r0 + 4 * rowBytes;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        // prettier-ignore
        transposeStore(v128.load(r0 + o), v128.load(r0 + rowBytes + o), v128.load(r0 + 2 * rowBytes + o), v128.load(r0 + 3 * rowBytes + o), out, 32);
        // prettier-ignore
        transposeStore(v128.load(r4 + o), v128.load(r4 + rowBytes + o), v128.load(r4 + 2 * rowBytes + o), v128.load(r4 + 3 * rowBytes + o), out + 16, 32);
        out += 128;
      }
    }
    for (; k < K; k++) {
      for (let c = 0; c < 8; c++) {
        store<f32>(out, c < w ? load<f32>(r0 + <usize>c * rowBytes + (<usize>k << 2)) : 0);
        out += 4;
      }
    }
  }
}

/** Stores the columns of the 4x4 block with rows x0..x3 as four vectors, `stride` bytes apart. */
// @ts-ignore: decorator
@inline
function transposeStore(x0: v128, x1: v128, x2: v128, x3: v128, dst: usize, stride: usize): void {
  const lo01 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
  const hi01 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
  const lo23 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const hi23 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7));
}

/** Depth of one pass over K: a block of op(B) this deep stays in cache while every row panel uses it. */
export const KC = 256;

/** Floats of the panel {@link packPanel} writes: four rows of op(A), one block of K. */
export const PANEL_FLOATS = 4 * KC;

/**
 * Packs rows `[i0, i0+h)` (h <= 4) and columns `[k0, k0+kc)` of op(A) into a panel at `dst`:
 * `dst[k][0..4)`, rows past h zero, so a tile reads the four rows of step k from 16 bytes.
 */
export function packPanel(
  transA: bool, h: i32, kc: i32, a: usize, lda: i32, i0: i32, k0: i32, dst: usize,
): void {
  if (transA) {
    // op(A)[i][k] = A[k][i]: the four rows of step k are contiguous in A.
    let src = a + ((<usize>k0 * lda + i0) << 2);
    const stride = <usize>lda << 2;
    for (let k = 0; k < kc; k++) {
      v128.store(dst, vload(src, h));
      src += stride;
      dst += 16;
    }
    return;
  }
  const stride = <usize>lda << 2;
  const r0 = a + ((<usize>i0 * lda + k0) << 2);
  let k = 0;
  if (h == 4) {
    // Four steps of the four rows at a time: a 4x4 transpose in registers.
    for (; k + 4 <= kc; k += 4) {
      const o = <usize>k << 2;
      // prettier-ignore
      transposeStore(v128.load(r0 + o), v128.load(r0 + stride + o), v128.load(r0 + 2 * stride + o), v128.load(r0 + 3 * stride + o), dst, 16);
      dst += 64;
    }
  }
  for (; k < kc; k++) {
    for (let r = 0; r < 4; r++) {
      const v: f32 = r < h ? load<f32>(r0 + <usize>r * stride + (<usize>k << 2)) : 0;
      store<f32>(dst + (<usize>r << 2), v);
    }
    dst += 16;
  }
}

/** Floats of scratch that `gemmPackedB` needs: one panel of op(A). */
export function panelScratch(): i32 {
  return PANEL_FLOATS;
}

/** Floats of scratch that {@link packB} writes for op(B) `[K, N]`. */
export function packedSize(K: i32, N: i32): i32 {
  return ((N + 7) & ~7) * K;
}

