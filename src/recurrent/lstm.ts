import type { FloatArray } from '../tensor/dtype.js';
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
 * Forward keeps the activated gates in `gates`, c in `cs` and tanh(c) in `tanhC`.
 */
/** The LSTM's own buffers. */
export interface LstmBuffers {
  /** tanh(c) after every step `[T, B, H]`, for the backward pass. */
  readonly tanhC: FloatArray;
}

export const lstmCell: CellKernel<LstmBuffers> = {
  gates: 4,
  cellState: true,
  hiddenApart: false,
  buffers(allocate, T, B, H): LstmBuffers {
    return { tanhC: allocate(T * B * H) };
  },
  forward(d: Direction, { tanhC }: LstmBuffers): void {
    projectInputs(d, true);
    const { T, B, H, p, gates, hs, cs } = d;
    const whh = d.w.whh;
    const BH = B * H;
    const GH = 4 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * B * GH;
      gemm(false, true, B, GH, H, hs, prev, H, p, whh, H, gates, row, GH, true);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const at = row + b * GH + j;
          const u = b * H + j;
          const i = sigmoid(gates[at]);
          const f = sigmoid(gates[at + H]);
          const g = Math.tanh(gates[at + 2 * H]);
          const o = sigmoid(gates[at + 3 * H]);
          gates[at] = i;
          gates[at + H] = f;
          gates[at + 2 * H] = g;
          gates[at + 3 * H] = o;
          const c = f * cs[prev + u] + i * g;
          const tc = Math.tanh(c);
          cs[cur + u] = c;
          tanhC[t * BH + u] = tc;
          hs[cur + u] = o * tc;
        }
      }
      carryInactive(d, t, hs, prev, cur);
      carryInactive(d, t, cs, prev, cur);
    }
  },
  backward(d: Direction, { tanhC }: LstmBuffers): void {
    const { T, B, H, p, gates, cs, dGates, dh, dhNext, dcNext, lengths } = d;
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
          const i = gates[at];
          const f = gates[at + H];
          const g = gates[at + 2 * H];
          const o = gates[at + 3 * H];
          const tc = tanhC[t * BH + u];
          const dhv = dh[u];
          const dc = dcNext[u] + dhv * o * (1 - tc * tc);
          dGates[at] = dc * g * i * (1 - i);
          dGates[at + H] = dc * cs[prev + u] * f * (1 - f);
          dGates[at + 2 * H] = dc * i * (1 - g * g);
          dGates[at + 3 * H] = dhv * tc * o * (1 - o);
          dcNext[u] = dc * f;
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, GH, dGates, row, GH, p, whh, H, dhNext, 0, H, false);
      passInactive(d, t, dhNext, dh);
    }
  },
};
