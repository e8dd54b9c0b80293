// Helpers on f32x4 vectors shared by the kernels. Pointers are byte offsets into the
// imported memory; `n` counts the valid lanes (1..4) at the ragged end of a row.

/** Four lanes from `p`, or the first `n` of them (the rest zero) when `n < 4`. */
// @ts-ignore: decorator
@inline
export function vload(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores four lanes at `p`, or only the first `n` when `n < 4`. */
// @ts-ignore: decorator
@inline
export function vstore(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}

/** `a + b·c` lane by lane: one fused multiply-add where relaxed SIMD is enabled. */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(b, c, a);
  return f32x4.add(a, f32x4.mul(b, c));
}

/** The sum of the four lanes. */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const t = f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
  return f32x4.extract_lane(t, 0);
}

/** Adds `src[0..n)` into `dst[0..n)`. */
export function addInto(dst: usize, src: usize, n: i32): void {
  for (let j = 0; j < n; j += 4) {
    const m = n - j;
    const o = <usize>j << 2;
    vstore(dst + o, f32x4.add(vload(dst + o, m), vload(src + o, m)), m);
  }
}

/** `dst = a + b` over `rows` rows of `n` floats (row strides `ldd`, `lda`, `ldb` elements). */
export function addRows(
  rows: i32, n: i32, dst: usize, ldd: i32, a: usize, lda: i32, b: usize, ldb: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + ((<usize>r * ldd) << 2);
    const x = a + ((<usize>r * lda) << 2);
    const y = b + ((<usize>r * ldb) << 2);
    for (let j = 0; j < n; j += 4) {
      const o = <usize>j << 2;
      const m = n - j;
      vstore(d + o, f32x4.add(vload(x + o, m), vload(y + o, m)), m);
    }
  }
}

/**
 * Adds the column sums of the `[rows, cols]` matrix at `a` (row stride `lda` elements) into
 * `out[0..cols)`: sixteen columns at a time held in registers down all rows.
 */
export function addColumnSums(out: usize, a: usize, rows: i32, cols: i32, lda: i32): void {
  const rowBytes = <usize>lda << 2;
  for (let j = 0; j < cols; j += 16) {
    const m = cols - j;
    let p = a + (<usize>j << 2);
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    if (m >= 16) {
      for (let r = 0; r < rows; r++) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
        p += rowBytes;
      }
    } else {
      for (let r = 0; r < rows; r++) {
        s0 = f32x4.add(s0, vload(p, m));
        if (m > 4) s1 = f32x4.add(s1, vload(p + 16, m - 4));
        if (m > 8) s2 = f32x4.add(s2, vload(p + 32, m - 8));
        if (m > 12) s3 = f32x4.add(s3, vload(p + 48, m - 12));
        p += rowBytes;
      }
    }
    const o = out + (<usize>j << 2);
    vstore(o, f32x4.add(vload(o, m), s0), m);
    if (m > 4) vstore(o + 16, f32x4.add(vload(o + 16, m - 4), s1), m - 4);
    if (m > 8) vstore(o + 32, f32x4.add(vload(o + 32, m - 8), s2), m - 8);
    if (m > 12) vstore(o + 48, f32x4.add(vload(o + 48, m - 12), s3), m - 12);
  }
}

/** Copies `rows` rows of `n` floats from `src` (row stride `lds` elements) to `dst` (row stride `ldd`). */
export function copyRows(rows: i32, n: i32, dst: usize, ldd: i32, src: usize, lds: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + ((<usize>r * ldd) << 2);
    const s = src + ((<usize>r * lds) << 2);
    for (let j = 0; j < n; j += 4) {
      const o = <usize>j << 2;
      const m = n - j;
      vstore(d + o, vload(s + o, m), m);
    }
  }
}
