import { madd, vload, vstore } from './vector';

// Vectorised exp, sigmoid and tanh on f32x4. exp: range reduction to |r| <= ln2/2, a degree-6
// polynomial for e^r fitted for relative error (about 1e-7 in float32), and the exponent built
// from the integer part. Clamps use pmin/pmax, which lower to one instruction each (min/max
// carry NaN and signed-zero rules that cost several). scripts/fit-activations.py fits the
// coefficients of exp's polynomial and tanh's rational and prints their float32 error.

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
/** 1.5·2^23: adding it rounds a float below 2^22 to an integer held in the low mantissa bits. */
const ROUNDER: f32 = 12582912.0;

/** e^x lane by lane, x clamped to [-87.3, 88.3] so the result stays a normal float. */
// @ts-ignore: decorator
@inline
export function vexp(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const n = f32x4.sub(shifted, f32x4.splat(ROUNDER));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.3836828293e-3);
  p = madd(f32x4.splat(8.3748148754e-3), p, r);
  p = madd(f32x4.splat(4.1668225080e-2), p, r);
  p = madd(f32x4.splat(1.6666419804e-1), p, r);
  p = madd(f32x4.splat(4.9999991059e-1), p, r);
  p = madd(f32x4.splat(1.0), p, r);
  p = madd(f32x4.splat(1.0), p, r);
  // The low bits of `shifted` hold n (two's complement); shifting n + 127 into the exponent
  // field drops ROUNDER's own bits, which all sit above bit 8.
  const scale = i32x4.shl(i32x4.add(shifted, i32x4.splat(127)), 23);
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
 * tanh as the odd rational `x·P(x²)/Q(x²)` of degrees 9 over 8, fitted for relative error on
 * |x| <= 9 (beyond it tanh rounds to ±1 in float32, so x is clamped there and the result to
 * [-1, 1]). Relative error about 4e-7; no exp, one division, odd and exact at 0.
 */
// @ts-ignore: decorator
@inline
export function vtanh(x: v128): v128 {
  const one = f32x4.splat(1.0);
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-9.0)), f32x4.splat(9.0));
  const u = f32x4.mul(x, x);
  let p = f32x4.splat(1.3354165773e-8);
  p = madd(f32x4.splat(2.0608764316e-5), p, u);
  p = madd(f32x4.splat(3.4955709707e-3), p, u);
  p = madd(f32x4.splat(1.3381011784e-1), p, u);
  p = madd(one, p, u);
  let q = f32x4.splat(7.7763667150e-7);
  q = madd(f32x4.splat(3.2856053440e-4), q, u);
  q = madd(f32x4.splat(2.5876918808e-2), q, u);
  q = madd(f32x4.splat(4.6714326739e-1), q, u);
  q = madd(one, q, u);
  const t = f32x4.div(f32x4.mul(x, p), q);
  return f32x4.pmin(f32x4.pmax(t, f32x4.neg(one)), one);
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
