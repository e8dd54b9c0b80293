// f32 matrix products C = op(A)·op(B) (+ C when accumulating, + a bias row when given).
// The main kernel computes 4x8 tiles of C in eight f32x4 registers, walking K with one row of
// op(B) (two vectors) and four broadcast elements of op(A) per step. op(B) is read in strips
// of eight columns: straight from B when it is [K, N] row-major, otherwise from a packed copy
// (strip-major, [K][8] per strip, zero-padded). A transposed A is packed into panels of four
// rows ([K][4] per panel) so each step reads 16 contiguous bytes. One-row products take
// dedicated paths: dot products along K (B transposed) or a scaled sum of B's rows.

import { hsum, madd, vload, vstore } from './vector';
import { packA, packB } from './pack';

/** Loads the bias lanes for columns [j, j+8) limited to `w` valid columns, or zeros. */
// @ts-ignore: decorator
@inline
function biasLo(bias: usize, w: i32): v128 {
  return bias == 0 ? f32x4.splat(0) : vload(bias, w);
}

// @ts-ignore: decorator
@inline
function biasHi(bias: usize, w: i32): v128 {
  return bias == 0 || w <= 4 ? f32x4.splat(0) : vload(bias + 16, w - 4);
}

/** Writes two vectors of one row of C (w valid columns), adding C's old values when accumulating. */
// @ts-ignore: decorator
@inline
function storeRow(c: usize, lo: v128, hi: v128, w: i32, acc: bool): void {
  if (acc) {
    lo = f32x4.add(lo, vload(c, w));
    if (w > 4) hi = f32x4.add(hi, vload(c + 16, w - 4));
  }
  vstore(c, lo, w);
  if (w > 4) vstore(c + 16, hi, w - 4);
}

/**
 * One 4x8 tile: `pa` walks four rows of op(A) (row r at `pa + r*ars`, advancing `aks` bytes
 * per k), `pb` walks eight columns of op(B) (advancing `bks` bytes per k).
 */
function tile4x8(
  K: i32, pa: usize, ars: usize, aks: usize, pb: usize, bks: usize,
  c: usize, ldcBytes: usize, w: i32, acc: bool, bias: usize,
): void {
  let c00 = biasLo(bias, w);
  let c01 = biasHi(bias, w);
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  let p1 = pa + ars;
  let p2 = p1 + ars;
  let p3 = p2 + ars;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = madd(c00, a0, b0);
    c01 = madd(c01, a0, b1);
    const a1 = v128.load32_splat(p1);
    c10 = madd(c10, a1, b0);
    c11 = madd(c11, a1, b1);
    const a2 = v128.load32_splat(p2);
    c20 = madd(c20, a2, b0);
    c21 = madd(c21, a2, b1);
    const a3 = v128.load32_splat(p3);
    c30 = madd(c30, a3, b0);
    c31 = madd(c31, a3, b1);
    pa += aks;
    p1 += aks;
    p2 += aks;
    p3 += aks;
    pb += bks;
  }
  storeRow(c, c00, c01, w, acc);
  storeRow(c + ldcBytes, c10, c11, w, acc);
  storeRow(c + 2 * ldcBytes, c20, c21, w, acc);
  storeRow(c + 3 * ldcBytes, c30, c31, w, acc);
}

/** One 1x8 tile (rows of C left over below the 4-row tiles). */
function tile1x8(
  K: i32, pa: usize, aks: usize, pb: usize, bks: usize, c: usize, w: i32, acc: bool, bias: usize,
): void {
  let c0 = biasLo(bias, w);
  let c1 = biasHi(bias, w);
  for (let k = 0; k < K; k++) {
    const a = v128.load32_splat(pa);
    c0 = madd(c0, a, v128.load(pb));
    c1 = madd(c1, a, v128.load(pb, 16));
    pa += aks;
    pb += bks;
  }
  storeRow(c, c0, c1, w, acc);
}

/** Depth of one pass over K: a block of op(B) this deep stays in cache while every row panel uses it. */
const KC = 256;

/**
 * C `[M, N]` (row stride `ldc`) from op(A) and op(B) given as strips: strip s of op(B) starts
 * at `pb + s*bss` and advances `bks` bytes per k. Row i of op(A) starts at
 * `pa + (i/4)*pss + (i%4)*ars` and advances `aks` per k. K is walked in blocks of {@link KC}.
 */
function tiles(
  M: i32, N: i32, K: i32,
  pa: usize, ars: usize, aks: usize, pss: usize,
  pb: usize, bss: usize, bks: usize,
  c: usize, ldc: i32, acc: bool, bias: usize,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const first = k0 == 0;
    tileBlock(
      M, N, kc, pa + <usize>k0 * aks, ars, aks, pss, pb + <usize>k0 * bks, bss, bks,
      c, ldc, acc || !first, first ? bias : 0,
    );
  }
}

/** The tiles of C for one block of K. */
function tileBlock(
  M: i32, N: i32, K: i32,
  pa: usize, ars: usize, aks: usize, pss: usize,
  pb: usize, bss: usize, bks: usize,
  c: usize, ldc: i32, acc: bool, bias: usize,
): void {
  const ldcBytes = <usize>ldc << 2;
  const M4 = M & ~3;
  for (let i = 0; i < M4; i += 4) {
    const a = pa + (<usize>(i >> 2)) * pss;
    const crow = c + <usize>i * ldcBytes;
    for (let j = 0, s = 0; j < N; j += 8, s++) {
      const bj = bias == 0 ? <usize>0 : bias + (<usize>j << 2);
      tile4x8(K, a, ars, aks, pb + <usize>s * bss, bks, crow + (<usize>j << 2), ldcBytes, N - j, acc, bj);
    }
  }
  for (let i = M4; i < M; i++) {
    const a = pa + (<usize>(i >> 2)) * pss + <usize>(i & 3) * ars;
    const crow = c + <usize>i * ldcBytes;
    for (let j = 0, s = 0; j < N; j += 8, s++) {
      const bj = bias == 0 ? <usize>0 : bias + (<usize>j << 2);
      tile1x8(K, a, aks, pb + <usize>s * bss, bks, crow + (<usize>j << 2), N - j, acc, bj);
    }
  }
}

/** `C (+)= op(A)·P + bias` with op(B) already packed by {@link packB} at `pb`. */
export function gemmPackedB(
  transA: bool, M: i32, N: i32, K: i32, a: usize, lda: i32,
  pb: usize, c: usize, ldc: i32, acc: bool, bias: usize, scratch: usize,
): void {
  if (transA) {
    packA(true, M, K, a, lda, scratch);
    tiles(M, N, K, scratch, 4, 16, <usize>K << 4, pb, <usize>K << 5, 32, c, ldc, acc, bias);
  } else {
    const rowBytes = <usize>lda << 2;
    tiles(M, N, K, a, rowBytes, 4, rowBytes << 2, pb, <usize>K << 5, 32, c, ldc, acc, bias);
  }
}

/** The ways `gemm` computes a product, chosen by {@link pathOf} from its shape alone. */
export const ROW_DOTS = 0;
export const ROW_AXPY = 1;
export const WEIGHT_GRADIENT = 2;
export const STRIPS_IN_PLACE = 3;
export const STRIPS_PACKED = 4;

/** The path `gemm` takes for a product of this shape (any part of it may take the same one). */
export function pathOf(transA: bool, transB: bool, M: i32, N: i32, bias: usize): i32 {
  if (M == 1 && !transA && transB) return ROW_DOTS;
  if (M == 1 && !transB) return ROW_AXPY;
  if (transA && !transB && N < M && (M & 7) == 0 && bias == 0) return WEIGHT_GRADIENT;
  if (!transB && (N & 7) == 0) return STRIPS_IN_PLACE;
  return STRIPS_PACKED;
}

/**
 * `C = op(A)·op(B)`, plus C when `acc`, plus `bias[0..N)` on every row when `bias` is not 0.
 * `scratch` holds packed copies: room for {@link gemmScratch}`(M, N, K)` floats.
 */
export function gemm(
  transA: bool, transB: bool, M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  acc: bool, bias: usize, scratch: usize,
): void {
  const path = pathOf(transA, transB, M, N, bias);
  gemmOnPath(path, transA, transB, M, N, K, a, lda, b, ldb, c, ldc, acc, bias, scratch);
}

/** `gemm` along the given path (which {@link pathOf} chose for this product or a larger one). */
export function gemmOnPath(
  path: i32, transA: bool, transB: bool, M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  acc: bool, bias: usize, scratch: usize,
): void {
  if (path == ROW_DOTS) {
    rowDots(N, K, a, b, ldb, c, acc, bias);
  } else if (path == ROW_AXPY) {
    rowAxpy(N, K, a, transA ? lda : 1, b, ldb, c, acc, bias);
  } else if (path == WEIGHT_GRADIENT) {
    // Weight gradients (A, B both [K, ·], K long): Cᵀ = op(B)ᵀ·op(A) into scratch, then added
    // transposed. Both operands are packed: the wider one's rows are far apart (a row of A is
    // M floats), and every row panel of the narrower one reads all of its strips, so reading
    // them in place walks K rows a stride apart again and again.
    const ct = scratch + (<usize>((N + 3) & ~3) * <usize>K << 2);
    const pw = ct + (<usize>N * <usize>M << 2);
    packA(true, N, K, b, ldb, scratch);
    packB(false, K, M, a, lda, pw);
    tiles(N, M, K, scratch, 4, 16, <usize>K << 4, pw, <usize>K << 5, 32, ct, M, false, 0);
    addTransposed(c, ldc, ct, N, M, acc);
  } else if (path == STRIPS_IN_PLACE) {
    // op(B) rows are contiguous: read strips straight from B.
    const bks = <usize>ldb << 2;
    if (transA) {
      packA(true, M, K, a, lda, scratch);
      tiles(M, N, K, scratch, 4, 16, <usize>K << 4, b, 32, bks, c, ldc, acc, bias);
    } else {
      const rowBytes = <usize>lda << 2;
      tiles(M, N, K, a, rowBytes, 4, rowBytes << 2, b, 32, bks, c, ldc, acc, bias);
    }
  } else {
    packB(transB, K, N, b, ldb, scratch);
    const packed = <usize>((N + 7) & ~7) * <usize>K << 2;
    gemmPackedB(transA, M, N, K, a, lda, scratch, c, ldc, acc, bias, scratch + packed);
  }
}

/** `C[j, i] (+)= T[i, j]` for T `[rows, cols]` contiguous (C has row stride `ldc`). */
function addTransposed(c: usize, ldc: i32, t: usize, rows: i32, cols: i32, acc: bool): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const pc = c + ((<usize>j * ldc + i) << 2);
      const v = load<f32>(t + ((<usize>i * cols + j) << 2));
      store<f32>(pc, acc ? load<f32>(pc) + v : v);
    }
  }
}

/** One row: `c[j] (+)= a·B[j, :] + bias[j]` with B stored `[N, K]`, four dot products at a time. */
function rowDots(N: i32, K: i32, a: usize, b: usize, ldb: i32, c: usize, acc: bool, bias: usize): void {
  const rowBytes = <usize>ldb << 2;
  const K4 = K & ~3;
  for (let j = 0; j < N; j += 4) {
    const n = min(4, N - j);
    const b0 = b + <usize>j * rowBytes;
    const b1 = n > 1 ? b0 + rowBytes : b0;
    const b2 = n > 2 ? b1 + rowBytes : b1;
    const b3 = n > 3 ? b2 + rowBytes : b2;
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (let k = 0; k < K4; k += 4) {
      const o = <usize>k << 2;
      const x = v128.load(a + o);
      s0 = madd(s0, x, v128.load(b0 + o));
      s1 = madd(s1, x, v128.load(b1 + o));
      s2 = madd(s2, x, v128.load(b2 + o));
      s3 = madd(s3, x, v128.load(b3 + o));
    }
    if (K4 < K) {
      const o = <usize>K4 << 2;
      const m = K - K4;
      const x = vload(a + o, m);
      s0 = madd(s0, x, vload(b0 + o, m));
      s1 = madd(s1, x, vload(b1 + o, m));
      s2 = madd(s2, x, vload(b2 + o, m));
      s3 = madd(s3, x, vload(b3 + o, m));
    }
    let r = f32x4.splat(0);
    r = f32x4.replace_lane(r, 0, hsum(s0));
    r = f32x4.replace_lane(r, 1, hsum(s1));
    r = f32x4.replace_lane(r, 2, hsum(s2));
    r = f32x4.replace_lane(r, 3, hsum(s3));
    const pc = c + (<usize>j << 2);
    if (bias != 0) r = f32x4.add(r, vload(bias + (<usize>j << 2), n));
    if (acc) r = f32x4.add(r, vload(pc, n));
    vstore(pc, r, n);
  }
}

/** One row: `c (+)= Σ_k a[k]·B[k, :] + bias` with B stored `[K, N]`, sixteen columns per pass. */
function rowAxpy(
  N: i32, K: i32, a: usize, aks: i32, b: usize, ldb: i32, c: usize, acc: bool, bias: usize,
): void {
  const rowBytes = <usize>ldb << 2;
  const aStep = <usize>aks << 2;
  for (let j = 0; j < N; j += 16) {
    const m = N - j;
    const o = <usize>j << 2;
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let pa = a;
    let pb = b + o;
    if (m >= 16) {
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(pa);
        s0 = madd(s0, x, v128.load(pb));
        s1 = madd(s1, x, v128.load(pb, 16));
        s2 = madd(s2, x, v128.load(pb, 32));
        s3 = madd(s3, x, v128.load(pb, 48));
        pa += aStep;
        pb += rowBytes;
      }
    } else {
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(pa);
        s0 = madd(s0, x, vload(pb, m));
        if (m > 4) s1 = madd(s1, x, vload(pb + 16, m - 4));
        if (m > 8) s2 = madd(s2, x, vload(pb + 32, m - 8));
        if (m > 12) s3 = madd(s3, x, vload(pb + 48, m - 12));
        pa += aStep;
        pb += rowBytes;
      }
    }
    const pc = c + o;
    finishRow(pc, s0, m, acc, bias == 0 ? <usize>0 : bias + o);
    if (m > 4) finishRow(pc + 16, s1, m - 4, acc, bias == 0 ? <usize>0 : bias + o + 16);
    if (m > 8) finishRow(pc + 32, s2, m - 8, acc, bias == 0 ? <usize>0 : bias + o + 32);
    if (m > 12) finishRow(pc + 48, s3, m - 12, acc, bias == 0 ? <usize>0 : bias + o + 48);
  }
}

// @ts-ignore: decorator
@inline
function finishRow(pc: usize, s: v128, m: i32, acc: bool, bias: usize): void {
  if (bias != 0) s = f32x4.add(s, vload(bias, m));
  if (acc) s = f32x4.add(s, vload(pc, m));
  vstore(pc, s, m);
}
