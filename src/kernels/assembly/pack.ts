// Packed copies of the operands of a product, and the scratch they take: op(B) in strips of
// eight columns ([K][8] per strip) and op(A) in panels of four rows ([K][4] per panel, one block
// of K at a time), both zero-padded, so the tiles of gemm.ts read contiguous bytes at every step
// along K and find the four rows of op(A) at fixed offsets from one pointer.

import { vload } from './vector';

/** Packs op(B) `[K, N]` into strips of eight columns at `dst`: `dst[s][k][0..8)`, zero-padded. */
export function packB(transB: bool, K: i32, N: i32, b: usize, ldb: i32, dst: usize): void {
  for (let j0 = 0; j0 < N; j0 += 8) {
    const w = min(8, N - j0);
    if (!transB && w == 8) {
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
        let v: f32 = 0;
        if (c < w) {
          const j = j0 + c;
          v = transB ? load<f32>(b + ((<usize>j * ldb + k) << 2)) : load<f32>(b + ((<usize>k * ldb + j) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
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
      const x0 = v128.load(r0 + o);
      const x1 = v128.load(r0 + stride + o);
      const x2 = v128.load(r0 + 2 * stride + o);
      const x3 = v128.load(r0 + 3 * stride + o);
      const lo01 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const hi01 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const lo23 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const hi23 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      v128.store(dst, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
      v128.store(dst, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7), 16);
      v128.store(dst, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5), 32);
      v128.store(dst, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7), 48);
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

