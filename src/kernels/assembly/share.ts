// One thread's share of a product, for threads that work on one shared memory. A product is
// cut into ranges of whole tiles (strips of eight columns of C, or panels of rows), and each
// share runs the path `gemm` chose for the whole product on its range. Every element of C is
// then computed by the same instructions as in the whole product, so the shares together give
// the one-thread result bit for bit.

import { WEIGHT_GRADIENT, gemmOnPath, gemmPackedB, pathOf } from './gemm';

/** The first unit of share `share` when `units` units are dealt to `shares` shares. */
// @ts-ignore: decorator
@inline
function cut(units: i32, share: i32, shares: i32): i32 {
  return <i32>((<i64>units * share) / shares);
}

/**
 * Share `share` of `shares` of `gemm(transA, transB, M, N, K, …)`; `scratch` is this share's
 * own, with room for `gemmScratch(transA, transB, M, N, K)` floats.
 */
export function gemmShare(
  share: i32, shares: i32, transA: bool, transB: bool, M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  acc: bool, bias: usize, scratch: usize,
): void {
  const path = pathOf(transA, transB, M, N, bias);
  // Along M: a weight gradient in strips of eight rows (its M is a multiple of 8), other
  // products in panels of four when C has fewer strips of columns than shares (the last share
  // takes the rows left over, so no share is a single row, which would change the path).
  const strips = (N + 7) >> 3;
  const rowUnit = path == WEIGHT_GRADIENT ? 8 : 4;
  if (M > 1 && (path == WEIGHT_GRADIENT || strips < shares) && M / rowUnit >= shares) {
    const units = M / rowUnit;
    const i0 = cut(units, share, shares) * rowUnit;
    const i1 = share == shares - 1 ? M : cut(units, share + 1, shares) * rowUnit;
    const ao = transA ? <usize>i0 << 2 : (<usize>i0 * lda) << 2;
    const co = (<usize>i0 * ldc) << 2;
    // prettier-ignore
    gemmOnPath(path, transA, transB, i1 - i0, N, K, a + ao, lda, b, ldb, c + co, ldc, acc, bias, scratch);
    return;
  }
  const j0 = cut(strips, share, shares) << 3;
  const j1 = min(N, cut(strips, share + 1, shares) << 3);
  if (j1 <= j0) return;
  const bo = transB ? (<usize>j0 * ldb) << 2 : <usize>j0 << 2;
  const bj = bias == 0 ? <usize>0 : bias + (<usize>j0 << 2);
  // prettier-ignore
  gemmOnPath(path, transA, transB, M, j1 - j0, K, a, lda, b + bo, ldb, c + (<usize>j0 << 2), ldc, acc, bj, scratch);
}

/** Share `share` of `shares` of `gemmPackedB(…)`, cut along N in strips of the packed op(B). */
export function gemmPackedBShare(
  share: i32, shares: i32, transA: bool, M: i32, N: i32, K: i32, a: usize, lda: i32,
  pb: usize, c: usize, ldc: i32, acc: bool, bias: usize, scratch: usize,
): void {
  const strips = (N + 7) >> 3;
  const s0 = cut(strips, share, shares);
  const j0 = s0 << 3;
  const j1 = min(N, cut(strips, share + 1, shares) << 3);
  if (j1 <= j0) return;
  const bj = bias == 0 ? <usize>0 : bias + (<usize>j0 << 2);
  const pbs = pb + ((<usize>s0 * K) << 5);
  // prettier-ignore
  gemmPackedB(transA, M, j1 - j0, K, a, lda, pbs, c + (<usize>j0 << 2), ldc, acc, bj, scratch);
}
