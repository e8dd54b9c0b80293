import { madd, vload, vstore } from './vector';

// Vectorised exp, sigmoid and tanh on f32x4. exp: range reduction to |r| <= ln2/2, a degree-6
// polynomial for e^r fitted for relative error (about 1e-7 in float32), and the exponent built
// from the integer part. Clamps use pmin/pmax, which lower to one instruction each (min/max
// carry NaN and signed-zero rules that cost several). scripts/fit-activations.py fits the
// coefficients of exp's polynomial and tanh's rational and prints their float32 error.

// The constants live in the module's static data, and each kernel loads them into locals before
// its loop: V8 rebuilds a `v128.const` from general registers (several instructions) wherever
// register pressure makes it give the register up, even inside the loop, while a value loaded
// from memory stays in a register or on the stack. Every instance writes these same bytes when
// it is made (a worker's instance on a shared memory too), so no buffer may lie below
// `staticEnd()` (index.ts).

/**
 * e^-x for sigmoid, with y = -x kept unnegated (see sigmoidInto): the clamp bounds of x, -log2(e),
 * 1.5·2^23 (adding it rounds a float below 2^22 to an integer held in the low mantissa bits) and
 * ln 2 split in a high and a low part.
 */
const EXP_CONSTANTS = memory.data<f32>([
  -88.3, 87.3, -1.44269504, 12582912.0, 0.693359375, -2.12194440e-4,
]);
/**
 * e^r ≈ 1 + r·(1 + r·(c4 + r·(c3 + r·(c2 + r·(c1 + r·c0))))), evaluated at r = -s as the same
 * Horner scheme in s with the odd coefficients negated: c0, -c1, c2, -c3, c4 (then -1, 1).
 */
const EXP_POLY = memory.data<f32>([
  1.3836828293e-3, -8.3748148754e-3, 4.1668225080e-2, -1.6666419804e-1, 4.9999991059e-1,
]);
/** The exponent bias of a float32, added to k before it is shifted into the exponent field. */
const EXPONENT_BIAS = memory.data<i32>([127]);
/** tanh(x) ≈ x·P(x²)/Q(x²): P = 1 + u·(p3 + u·(p2 + u·(p1 + u·p0))), p0..p3, then Q's q0..q3. */
const TANH_PQ = memory.data<f32>([
  1.3354165773e-8, 2.0608764316e-5, 3.4955709707e-3, 1.3381011784e-1,
  7.7763667150e-7, 3.2856053440e-4, 2.5876918808e-2, 4.6714326739e-1,
]);
/** tanh rounds to ±1 in float32 beyond ±9, so x is clamped to [-9, 9]. */
const TANH_LIMITS = memory.data<f32>([-9.0, 9.0]);
/** -1 and 1: `f32x4.neg` lowers to three instructions (a sign mask built each time), a load to none. */
const ONES = memory.data<f32>([-1.0, 1.0]);

/** Entry `i` of a constant table in every lane. */
// @ts-ignore: decorator
@inline
function constant(table: usize, i: i32): v128 {
  return v128.load32_splat(table + (<usize>i << 2));
}

/**
 * `dst = 1 / (1 + e^-x)` for `n` elements of `src` (`dst` may be `src`). e^-x: x clamped to
 * [-88.3, 87.3] so the result stays a normal float, k = round(-x·log2 e) by the rounding constant,
 * r = -x - k·ln 2 in two parts (|r| <= ln2/2), e^r by the polynomial, 2^k built in the exponent.
 * Nothing is negated: s = x + k·ln2 is -r exactly (negation is exact in IEEE arithmetic, and
 * rounding symmetric), and the polynomial at -s takes the odd coefficients negated, so every
 * value is bit for bit the one of the direct form.
 */
export function sigmoidInto(dst: usize, src: usize, n: i32): void {
  const lo = constant(EXP_CONSTANTS, 0), hi = constant(EXP_CONSTANTS, 1);
  const minusLog2e = constant(EXP_CONSTANTS, 2), rounder = constant(EXP_CONSTANTS, 3);
  const ln2Hi = constant(EXP_CONSTANTS, 4), ln2Lo = constant(EXP_CONSTANTS, 5);
  const c0 = constant(EXP_POLY, 0), c1 = constant(EXP_POLY, 1), c2 = constant(EXP_POLY, 2);
  const c3 = constant(EXP_POLY, 3), c4 = constant(EXP_POLY, 4);
  const exponentBias = constant(EXPONENT_BIAS, 0);
  const minusOne = constant(ONES, 0), one = constant(ONES, 1);
  let j = 0;
  // Two vectors a pass: their chains (about 75 cycles of latency each) overlap.
  for (; j + 8 <= n; j += 8) {
    const o = <usize>j << 2;
    // prettier-ignore
    const a = sigmoid4(v128.load(src + o), lo, hi, minusLog2e, rounder, ln2Hi, ln2Lo, c0, c1, c2, c3, c4, exponentBias, minusOne, one);
    // prettier-ignore
    const b = sigmoid4(v128.load(src + o, 16), lo, hi, minusLog2e, rounder, ln2Hi, ln2Lo, c0, c1, c2, c3, c4, exponentBias, minusOne, one);
    v128.store(dst + o, a);
    v128.store(dst + o, b, 16);
  }
  for (; j < n; j += 4) {
    const o = <usize>j << 2;
    const m = n - j;
    // prettier-ignore
    vstore(dst + o, sigmoid4(vload(src + o, m), lo, hi, minusLog2e, rounder, ln2Hi, ln2Lo, c0, c1, c2, c3, c4, exponentBias, minusOne, one), m);
  }
}

/** σ of one vector with the constants of {@link sigmoidInto}. */
// @ts-ignore: decorator
@inline
function sigmoid4(
  v: v128, lo: v128, hi: v128, minusLog2e: v128, rounder: v128, ln2Hi: v128, ln2Lo: v128,
  c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, exponentBias: v128, minusOne: v128, one: v128,
): v128 {
  const x = f32x4.pmin(f32x4.pmax(v, lo), hi);
  const shifted = f32x4.add(f32x4.mul(x, minusLog2e), rounder);
  const k = f32x4.sub(shifted, rounder);
  const s = f32x4.add(f32x4.add(x, f32x4.mul(k, ln2Hi)), f32x4.mul(k, ln2Lo));
  let p = madd(c1, c0, s);
  p = madd(c2, p, s);
  p = madd(c3, p, s);
  p = madd(c4, p, s);
  p = madd(minusOne, p, s);
  p = madd(one, p, s);
  // The low bits of `shifted` hold k (two's complement); shifting k + 127 into the exponent
  // field drops the rounding constant's own bits, which all sit above bit 8.
  const scale = i32x4.shl(i32x4.add(shifted, exponentBias), 23);
  return f32x4.div(one, f32x4.add(one, f32x4.mul(p, scale)));
}

/**
 * `dst = tanh(src)` for `n` elements (`dst` may be `src`): the odd rational `x·P(x²)/Q(x²)` of
 * degrees 9 over 8, fitted for relative error on |x| <= 9 (x is clamped there and the result to
 * [-1, 1]). Relative error about 4e-7; no exp, one division, odd and exact at 0.
 */
export function tanhInto(dst: usize, src: usize, n: i32): void {
  const lo = constant(TANH_LIMITS, 0), hi = constant(TANH_LIMITS, 1);
  const minusOne = constant(ONES, 0), one = constant(ONES, 1);
  const p0 = constant(TANH_PQ, 0), p1 = constant(TANH_PQ, 1);
  const p2 = constant(TANH_PQ, 2), p3 = constant(TANH_PQ, 3);
  const q0 = constant(TANH_PQ, 4), q1 = constant(TANH_PQ, 5);
  const q2 = constant(TANH_PQ, 6), q3 = constant(TANH_PQ, 7);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const o = <usize>j << 2;
    // prettier-ignore
    const a = tanh4(v128.load(src + o), lo, hi, p0, p1, p2, p3, q0, q1, q2, q3, minusOne, one);
    // prettier-ignore
    const b = tanh4(v128.load(src + o, 16), lo, hi, p0, p1, p2, p3, q0, q1, q2, q3, minusOne, one);
    v128.store(dst + o, a);
    v128.store(dst + o, b, 16);
  }
  for (; j < n; j += 4) {
    const o = <usize>j << 2;
    const m = n - j;
    // prettier-ignore
    vstore(dst + o, tanh4(vload(src + o, m), lo, hi, p0, p1, p2, p3, q0, q1, q2, q3, minusOne, one), m);
  }
}

/** tanh of one vector with the constants of {@link tanhInto}. */
// @ts-ignore: decorator
@inline
function tanh4(
  v: v128, lo: v128, hi: v128, p0: v128, p1: v128, p2: v128, p3: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, minusOne: v128, one: v128,
): v128 {
  const x = f32x4.pmin(f32x4.pmax(v, lo), hi);
  const u = f32x4.mul(x, x);
  let p = madd(p1, p0, u);
  p = madd(p2, p, u);
  p = madd(p3, p, u);
  p = madd(one, p, u);
  let q = madd(q1, q0, u);
  q = madd(q2, q, u);
  q = madd(q3, q, u);
  q = madd(one, q, u);
  const t = f32x4.div(f32x4.mul(x, p), q);
  return f32x4.pmin(f32x4.pmax(t, minusOne), one);
}
