// f32 matrix products C = op(A)·op(B) (+ C when accumulating, + a bias row when given).
// The main kernel computes 4x8 tiles of C in eight f32x4 registers, walking K with one row of
// op(B) (two vectors) and four broadcast elements of op(A) per step. op(B) is read in strips
// of eight columns: straight from B when it is [K, N] row-major, otherwise from a packed copy
// (strip-major, [K][8] per strip, zero-padded). op(A) is packed a panel of four rows at a time
// ([k][4], one block of K), so each step reads 16 contiguous bytes at fixed offsets from one
// pointer. One-row products take dedicated paths: dot products along K (B transposed) or a
// scaled sum of B's rows. Scratch layout: the panel first, then any packed operand.

import { hsum, madd, vload, vstore } from './vector';
import { KC, PANEL_FLOATS, packB, packPanel, packedSize } from './pack';

/** Bytes of one panel of op(A), at the start of a product's scratch. */
const PANEL_BYTES = <usize>PANEL_FLOATS << 2;

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
 * One 4x8 tile: `pa` walks a panel of four rows of op(A) (16 bytes per k, see `packPanel`),
 * `pb` walks eight columns of op(B) (advancing `bks` bytes per k); the first `h` rows are stored.
 */
function tile4x8(
  K: i32, pa: usize, pb: usize, bks: usize,
  c: usize, ldcBytes: usize, w: i32, h: i32, acc: bool, bias: usize,
): void {
  let c00 = biasLo(bias, w);
  let c01 = biasHi(bias, w);
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  const end = pa + (<usize>K << 4);
  while (pa < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = madd(c00, a0, b0);
    c01 = madd(c01, a0, b1);
    const a1 = v128.load32_splat(pa, 4);
    c10 = madd(c10, a1, b0);
    c11 = madd(c11, a1, b1);
    const a2 = v128.load32_splat(pa, 8);
    c20 = madd(c20, a2, b0);
    c21 = madd(c21, a2, b1);
    const a3 = v128.load32_splat(pa, 12);
    c30 = madd(c30, a3, b0);
    c31 = madd(c31, a3, b1);
    pa += 16;
    pb += bks;
  }
  storeRow(c, c00, c01, w, acc);
  if (h > 1) storeRow(c + ldcBytes, c10, c11, w, acc);
  if (h > 2) storeRow(c + 2 * ldcBytes, c20, c21, w, acc);
  if (h > 3) storeRow(c + 3 * ldcBytes, c30, c31, w, acc);
}

/**
 * C `[M, N]` (row stride `ldc`) from op(A) (`a`, row stride `lda`, transposed when `transA`)
 * and op(B) given as strips: strip s starts at `pb + s*bss` and advances `bks` bytes per k.
 * K is walked in blocks of {@link KC}; for each block, each panel of four rows of op(A) is
 * packed into `panel` ({@link PANEL_FLOATS} floats) and multiplied by every strip.
 */
function tiles(
  M: i32, N: i32, K: i32, transA: bool, a: usize, lda: i32,
  pb: usize, bss: usize, bks: usize,
  c: usize, ldc: i32, acc: bool, bias: usize, panel: usize,
): void {
  const ldcBytes = <usize>ldc << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const first = k0 == 0;
    const add = acc || !first;
    const pbk = pb + <usize>k0 * bks;
    for (let i = 0; i < M; i += 4) {
      const h = min(4, M - i);
      packPanel(transA, h, kc, a, lda, i, k0, panel);
      const crow = c + <usize>i * ldcBytes;
      for (let j = 0, s = 0; j < N; j += 8, s++) {
        const bj = !first || bias == 0 ? <usize>0 : bias + (<usize>j << 2);
        // prettier-ignore
        tile4x8(kc, panel, pbk + <usize>s * bss, bks, crow + (<usize>j << 2), ldcBytes, N - j, h, add, bj);
      }
    }
  }
}

/**
 * `C (+)= op(A)·P + bias` with op(B) already packed by {@link packB} at `pb`; `scratch` holds
 * {@link panelScratch} floats.
 */
export function gemmPackedB(
  transA: bool, M: i32, N: i32, K: i32, a: usize, lda: i32,
  pb: usize, c: usize, ldc: i32, acc: bool, bias: usize, scratch: usize,
): void {
  tiles(M, N, K, transA, a, lda, pb, <usize>K << 5, 32, c, ldc, acc, bias, scratch);
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
 * Floats of scratch that `gemm` needs for this product, whatever its bias (a bias only ever
 * moves a product off the weight-gradient path, to one that needs less); it bounds the scratch
 * of every share of the product too.
 */
export function gemmScratch(transA: bool, transB: bool, M: i32, N: i32, K: i32): i32 {
  const path = pathOf(transA, transB, M, N, 0);
  if (path == WEIGHT_GRADIENT) return PANEL_FLOATS + N * M + packedSize(K, M);
  if (path == STRIPS_PACKED) return PANEL_FLOATS + packedSize(K, N);
  return path == STRIPS_IN_PLACE ? PANEL_FLOATS : 0;
}

/**
 * `C = op(A)·op(B)`, plus C when `acc`, plus `bias[0..N)` on every row when `bias` is not 0.
 * `scratch` holds packed copies: room for {@link gemmScratch}`(transA, transB, M, N, K)` floats.
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
    const ct = scratch + PANEL_BYTES;
    const pw = ct + (<usize>N * <usize>M << 2);
    packB(false, K, M, a, lda, pw);
    tiles(N, M, K, true, b, ldb, pw, <usize>K << 5, 32, ct, M, false, 0, scratch);
    addTransposed(c, ldc, ct, N, M, acc);
  } else if (path == STRIPS_IN_PLACE) {
    // op(B) rows are contiguous: read strips straight from B.
    tiles(M, N, K, transA, a, lda, b, 32, <usize>ldb << 2, c, ldc, acc, bias, scratch);
  } else {
    const pb = scratch + PANEL_BYTES;
    packB(transB, K, N, b, ldb, pb);
    gemmPackedB(transA, M, N, K, a, lda, pb, c, ldc, acc, bias, scratch);
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

/**
 * One row: `c[j] (+)= a·B[j, :] + bias[j]` with B stored `[N, K]`, four dot products at a time.
 * Each dot product keeps two partial sums (even and odd groups of four along K), so eight
 * independent additions are in flight and the loop is not held to one add latency per step.
 */
function rowDots(N: i32, K: i32, a: usize, b: usize, ldb: i32, c: usize, acc: bool, bias: usize): void {
  const rowBytes = <usize>ldb << 2;
  const K8 = K & ~7;
  const K4 = K & ~3;
  for (let j = 0; j < N; j += 4) {
    const n = min(4, N - j);
    const b0 = b + <usize>j * rowBytes;
    const b1 = n > 1 ? b0 + rowBytes : b0;
    const b2 = n > 2 ? b1 + rowBytes : b1;
    const b3 = n > 3 ? b2 + rowBytes : b2;
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (let k = 0; k < K8; k += 8) {
      const o = <usize>k << 2;
      const x = v128.load(a + o);
      const y = v128.load(a + o, 16);
      s0 = madd(s0, x, v128.load(b0 + o));
      s1 = madd(s1, x, v128.load(b1 + o));
      s2 = madd(s2, x, v128.load(b2 + o));
      s3 = madd(s3, x, v128.load(b3 + o));
      t0 = madd(t0, y, v128.load(b0 + o, 16));
      t1 = madd(t1, y, v128.load(b1 + o, 16));
      t2 = madd(t2, y, v128.load(b2 + o, 16));
      t3 = madd(t3, y, v128.load(b3 + o, 16));
    }
    if (K8 < K4) {
      const o = <usize>K8 << 2;
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
      t0 = madd(t0, x, vload(b0 + o, m));
      t1 = madd(t1, x, vload(b1 + o, m));
      t2 = madd(t2, x, vload(b2 + o, m));
      t3 = madd(t3, x, vload(b3 + o, m));
    }
    let r = f32x4.splat(0);
    r = f32x4.replace_lane(r, 0, hsum(f32x4.add(s0, t0)));
    r = f32x4.replace_lane(r, 1, hsum(f32x4.add(s1, t1)));
    r = f32x4.replace_lane(r, 2, hsum(f32x4.add(s2, t2)));
    r = f32x4.replace_lane(r, 3, hsum(f32x4.add(s3, t3)));
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
