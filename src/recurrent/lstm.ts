import { gemm } from '../tensor/gemm.js';
import { sigmoid } from '../tensor/ops.js';
import {
  carryInactive,
  gatherStepGrad,
  passInactive,
  projectInputs,
  zeroInactiveGates,
  type CellKernel,
  type Direction,
} from './direction.js';

/**
 * LSTM cell, gate rows i, f, g, o (PyTorch's order):
 * `i, f, o = σ(·)`, `g = tanh(·)` of `W_ih x + b_ih + W_hh h + b_hh`;
 * `c' = f⊙c + i⊙g`, `h' = o⊙tanh(c')`.
 * Forward keeps the activated gates in `xg`, c in `cs` and tanh(c) in `aux`.
 */
export const lstmCell: CellKernel = {
  gates: 4,
  cellState: true,
  forward(d: Direction): void {
    projectInputs(d, true);
    const { T, B, H, reverse, p, xg, hs, cs, aux } = d;
    const whh = d.w.whh;
    const BH = B * H;
    const GH = 4 * H;
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const prev = (reverse ? t + 2 : t) * BH;
      const cur = (t + 1) * BH;
      const z = t * B * GH;
      gemm(false, true, B, GH, H, hs, prev, H, p, whh, H, xg, z, GH, true);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const q = z + b * GH + j;
          const r = b * H + j;
          const i = sigmoid(xg[q]);
          const f = sigmoid(xg[q + H]);
          const g = Math.tanh(xg[q + 2 * H]);
          const o = sigmoid(xg[q + 3 * H]);
          xg[q] = i;
          xg[q + H] = f;
          xg[q + 2 * H] = g;
          xg[q + 3 * H] = o;
          const c = f * cs[prev + r] + i * g;
          const tc = Math.tanh(c);
          cs[cur + r] = c;
          aux[t * BH + r] = tc;
          hs[cur + r] = o * tc;
        }
      }
      carryInactive(d, t, hs, prev, cur);
      carryInactive(d, t, cs, prev, cur);
    }
  },
  backward(d: Direction): void {
    const { T, B, H, reverse, p, xg, cs, aux, dgIh, dh, dhNext, dcNext, lengths } = d;
    const whh = d.w.whh;
    const BH = B * H;
    const GH = 4 * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const prev = (reverse ? t + 2 : t) * BH;
      const z = t * B * GH;
      gatherStepGrad(d, t);
      for (let b = 0; b < B; b++) {
        if (lengths !== null && t >= lengths[b]) continue; // padding: dcNext passes through
        for (let j = 0; j < H; j++) {
          const q = z + b * GH + j;
          const r = b * H + j;
          const i = xg[q];
          const f = xg[q + H];
          const g = xg[q + 2 * H];
          const o = xg[q + 3 * H];
          const tc = aux[t * BH + r];
          const dhv = dh[r];
          const dc = dcNext[r] + dhv * o * (1 - tc * tc);
          dgIh[q] = dc * g * i * (1 - i);
          dgIh[q + H] = dc * cs[prev + r] * f * (1 - f);
          dgIh[q + 2 * H] = dc * i * (1 - g * g);
          dgIh[q + 3 * H] = dhv * tc * o * (1 - o);
          dcNext[r] = dc * f;
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, GH, dgIh, z, GH, p, whh, H, dhNext, 0, H, false);
      passInactive(d, t, dhNext, dh);
    }
  },
};
