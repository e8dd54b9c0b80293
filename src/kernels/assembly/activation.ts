import { vload, vstore } from './vector';

// Vectorised exp, sigmoid and tanh on f32x4: range reduction to |r| <= ln2/2, a degree-7
// polynomial for e^r, and the exponent built from the integer part. About 2e-7 relative error.

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/** e^x lane by lane, x clamped to [-87.3, 88.3] so the result stays a normal float. */
// @ts-ignore: decorator
@inline
export function vexp(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** The logistic sigmoid 1 / (1 + e^-x). */
// @ts-ignore: decorator
@inline
export function vsigmoid(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

/**
 * tanh: `(1 - e) / (1 + e)` with `e = e^(-2|x|)` and the sign of x, or its Taylor series
 * to x^9 below |x| = 0.25 where the quotient would lose relative precision.
 */
// @ts-ignore: decorator
@inline
export function vtanh(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const a = f32x4.abs(x);
  const e = vexp(f32x4.mul(a, f32x4.splat(-2.0)));
  const big = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(62.0 / 2835.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-17.0 / 315.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.0 / 15.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 3.0));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(x, x2), p));
  return v128.bitselect(small, signed, f32x4.lt(a, f32x4.splat(0.25)));
}

/** Writes sigmoid of `n` elements from `src` to `dst` (the kernel the tests compare). */
export function sigmoidInto(dst: usize, src: usize, n: i32): void {
  for (let j = 0; j < n; j += 4) {
    const o = <usize>j << 2;
    const m = n - j;
    vstore(dst + o, vsigmoid(vload(src + o, m)), m);
  }
}

/** Writes tanh of `n` elements from `src` to `dst`. */
export function tanhInto(dst: usize, src: usize, n: i32): void {
  for (let j = 0; j < n; j += 4) {
    const o = <usize>j << 2;
    const m = n - j;
    vstore(dst + o, vtanh(vload(src + o, m)), m);
  }
}
