import { gemm } from '../tensor/gemm.js';
import { isRealStep } from '../nn/padding.js';
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
    const { T, B, H, p, xg, hs, cs, aux } = d;
    const whh = d.w.whh;
    const BH = B * H;
    const GH = 4 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * B * GH;
      gemm(false, true, B, GH, H, hs, prev, H, p, whh, H, xg, row, GH, true);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const at = row + b * GH + j;
          const u = b * H + j;
          const i = sigmoid(xg[at]);
          const f = sigmoid(xg[at + H]);
          const g = Math.tanh(xg[at + 2 * H]);
          const o = sigmoid(xg[at + 3 * H]);
          xg[at] = i;
          xg[at + H] = f;
          xg[at + 2 * H] = g;
          xg[at + 3 * H] = o;
          const c = f * cs[prev + u] + i * g;
          const tc = Math.tanh(c);
          cs[cur + u] = c;
          aux[t * BH + u] = tc;
          hs[cur + u] = o * tc;
        }
      }
      carryInactive(d, t, hs, prev, cur);
      carryInactive(d, t, cs, prev, cur);
    }
  },
  backward(d: Direction): void {
    const { T, B, H, p, xg, cs, aux, dgIh, dh, dhNext, dcNext, lengths } = d;
    const whh = d.w.whh;
    const BH = B * H;
    const GH = 4 * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const row = t * B * GH;
      gatherStepGrad(d, t);
      for (let b = 0; b < B; b++) {
        if (!isRealStep(lengths, b, t)) continue; // padding: dcNext passes through
        for (let j = 0; j < H; j++) {
          const at = row + b * GH + j;
          const u = b * H + j;
          const i = xg[at];
          const f = xg[at + H];
          const g = xg[at + 2 * H];
          const o = xg[at + 3 * H];
          const tc = aux[t * BH + u];
          const dhv = dh[u];
          const dc = dcNext[u] + dhv * o * (1 - tc * tc);
          dgIh[at] = dc * g * i * (1 - i);
          dgIh[at + H] = dc * cs[prev + u] * f * (1 - f);
          dgIh[at + 2 * H] = dc * i * (1 - g * g);
          dgIh[at + 3 * H] = dhv * tc * o * (1 - o);
          dcNext[u] = dc * f;
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, GH, dgIh, row, GH, p, whh, H, dhNext, 0, H, false);
      passInactive(d, t, dhNext, dh);
    }
  },
};
