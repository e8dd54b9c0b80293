// Fused gate steps of one time step for `rows` consecutive sequences of the batch. Gate blocks
// of a row are `H` apart inside a row of `ldg` elements (PyTorch's order: LSTM i, f, g, o; GRU
// r, z, n); states are `[rows, H]` contiguous. The backward steps overwrite the gate values
// with the gradients of the gates' pre-activations, as the TypeScript cells do. The forward
// steps activate a row's gate blocks in whole passes of sigmoidInto and tanhInto, which load
// their constants once per pass (see activation.ts).

import { sigmoidInto, tanhInto } from './activation';
import { addInto, vload, vstore } from './vector';

/** RNN forward: `h = act(pre)` over `n` elements, act = tanh or relu. */
export function rnnForward(n: i32, pre: usize, h: usize, relu: bool): void {
  if (!relu) {
    tanhInto(h, pre, n);
    return;
  }
  const zero = f32x4.splat(0);
  for (let j = 0; j < n; j += 4) {
    const o = <usize>j << 2;
    const m = n - j;
    vstore(h + o, f32x4.pmax(vload(pre + o, m), zero), m);
  }
}

/** RNN backward: `dg = dh·(1 - h²)` (tanh) or `dh·[h > 0]` (relu) over `n` elements. */
export function rnnBackward(n: i32, h: usize, dh: usize, dg: usize, relu: bool): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  for (let j = 0; j < n; j += 4) {
    const o = <usize>j << 2;
    const m = n - j;
    const hv = vload(h + o, m);
    const d = vload(dh + o, m);
    const r = relu
      ? v128.and(d, f32x4.gt(hv, zero))
      : f32x4.mul(d, f32x4.sub(one, f32x4.mul(hv, hv)));
    vstore(dg + o, r, m);
  }
}

/**
 * LSTM forward: activates the pre-activations in `g` in place (σ, σ, tanh, σ) and writes
 * `c = f⊙cPrev + i⊙g`, `tc = tanh(c)`, `h = o⊙tc`.
 */
export function lstmForward(
  rows: i32, H: i32, g: usize, ldg: i32, cPrev: usize, c: usize, tc: usize, h: usize,
): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < rows; b++) {
    const gi = g + ((<usize>b * ldg) << 2);
    const s = <usize>b * hb;
    sigmoidInto(gi, gi, 2 * H); // i and f
    tanhInto(gi + 2 * hb, gi + 2 * hb, H);
    sigmoidInto(gi + 3 * hb, gi + 3 * hb, H);
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      const m = H - j;
      const p = gi + o;
      const fc = f32x4.mul(vload(p + hb, m), vload(cPrev + s + o, m));
      vstore(c + s + o, f32x4.add(fc, f32x4.mul(vload(p, m), vload(p + 2 * hb, m))), m);
    }
    tanhInto(tc + s, c + s, H);
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      const m = H - j;
      vstore(h + s + o, f32x4.mul(vload(gi + 3 * hb + o, m), vload(tc + s + o, m)), m);
    }
  }
}

/**
 * LSTM backward: from the gate values in `g`, `cPrev`, `tc`, the incoming `dh` and `dc`
 * (the gradient reaching c from the next step, replaced by the one leaving to the previous
 * step), writes the four gate gradients over `g`.
 */
export function lstmBackward(
  rows: i32, H: i32, g: usize, ldg: i32, cPrev: usize, tc: usize, dh: usize, dc: usize,
): void {
  const hb = <usize>H << 2;
  const one = f32x4.splat(1);
  for (let b = 0; b < rows; b++) {
    const gi = g + ((<usize>b * ldg) << 2);
    const s = <usize>b * hb;
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      const m = H - j;
      const p = gi + o;
      const iv = vload(p, m);
      const fv = vload(p + hb, m);
      const gv = vload(p + 2 * hb, m);
      const ov = vload(p + 3 * hb, m);
      const t = vload(tc + s + o, m);
      const d = vload(dh + s + o, m);
      const dcv = f32x4.add(
        vload(dc + s + o, m),
        f32x4.mul(f32x4.mul(d, ov), f32x4.sub(one, f32x4.mul(t, t))),
      );
      vstore(p, f32x4.mul(f32x4.mul(dcv, gv), f32x4.mul(iv, f32x4.sub(one, iv))), m);
      const cp = vload(cPrev + s + o, m);
      vstore(p + hb, f32x4.mul(f32x4.mul(dcv, cp), f32x4.mul(fv, f32x4.sub(one, fv))), m);
      vstore(p + 2 * hb, f32x4.mul(f32x4.mul(dcv, iv), f32x4.sub(one, f32x4.mul(gv, gv))), m);
      vstore(p + 3 * hb, f32x4.mul(f32x4.mul(d, t), f32x4.mul(ov, f32x4.sub(one, ov))), m);
      vstore(dc + s + o, f32x4.mul(dcv, fv), m);
    }
  }
}

/**
 * GRU forward: `x` holds the input pre-activations (row stride `ldg`), `hp` the hidden
 * products `W_h· h + b_h` (same layout). Writes r, z, n over `x`, `W_hn h + b_hn` to `hn`
 * and `h = (1−z)⊙n + z⊙hPrev`.
 */
export function gruForward(
  rows: i32, H: i32, x: usize, hp: usize, ldg: i32, hPrev: usize, hn: usize, h: usize,
): void {
  const hb = <usize>H << 2;
  const one = f32x4.splat(1);
  for (let b = 0; b < rows; b++) {
    const xr = x + ((<usize>b * ldg) << 2);
    const sr = hp + ((<usize>b * ldg) << 2);
    const s = <usize>b * hb;
    addInto(xr, sr, 2 * H); // r and z: input side plus hidden side
    sigmoidInto(xr, xr, 2 * H);
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      const m = H - j;
      const hv = vload(sr + 2 * hb + o, m);
      vstore(hn + s + o, hv, m);
      const pre = f32x4.add(vload(xr + 2 * hb + o, m), f32x4.mul(vload(xr + o, m), hv));
      vstore(xr + 2 * hb + o, pre, m);
    }
    tanhInto(xr + 2 * hb, xr + 2 * hb, H);
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      const m = H - j;
      const z = vload(xr + hb + o, m);
      const n = vload(xr + 2 * hb + o, m);
      const hp0 = vload(hPrev + s + o, m);
      vstore(h + s + o, f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, hp0)), m);
    }
  }
}

/**
 * GRU backward: from r, z, n in `g`, `hPrev`, `hn` and `dh`, writes the input-side gate
 * gradients over `g`, the hidden-side ones to `gh` (same layout; its n block is scaled by r)
 * and `z⊙dh` (the part of dh_{t-1} that skips the gates) to `direct`.
 */
export function gruBackward(
  rows: i32, H: i32, g: usize, gh: usize, ldg: i32, hPrev: usize, hn: usize, dh: usize,
  direct: usize,
): void {
  const hb = <usize>H << 2;
  const one = f32x4.splat(1);
  for (let b = 0; b < rows; b++) {
    const gr = g + ((<usize>b * ldg) << 2);
    const hr = gh + ((<usize>b * ldg) << 2);
    const s = <usize>b * hb;
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      const m = H - j;
      const r = vload(gr + o, m);
      const z = vload(gr + hb + o, m);
      const n = vload(gr + 2 * hb + o, m);
      const d = vload(dh + s + o, m);
      const dn = f32x4.mul(f32x4.mul(d, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const dzv = f32x4.mul(
        f32x4.mul(d, f32x4.sub(vload(hPrev + s + o, m), n)),
        f32x4.mul(z, f32x4.sub(one, z)),
      );
      const dr = f32x4.mul(f32x4.mul(dn, vload(hn + s + o, m)), f32x4.mul(r, f32x4.sub(one, r)));
      vstore(gr + o, dr, m);
      vstore(gr + hb + o, dzv, m);
      vstore(gr + 2 * hb + o, dn, m);
      vstore(hr + o, dr, m);
      vstore(hr + hb + o, dzv, m);
      vstore(hr + 2 * hb + o, f32x4.mul(dn, r), m);
      vstore(direct + s + o, f32x4.mul(d, z), m);
    }
  }
}
