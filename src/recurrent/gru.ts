import type { FloatArray } from '../tensor/dtype.js';
import { gemm } from '../tensor/gemm.js';
import { isRealStep } from '../nn/padding.js';
import { copy, sigmoid } from '../tensor/ops.js';
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
 * GRU cell, gate rows r, z, n (PyTorch's order and form):
 * `r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})`,
 * `n = tanh(W_in x + b_in + r⊙whn)` with `whn = W_hn h + b_hn`, `h' = (1−z)⊙n + z⊙h`.
 * Forward keeps r, z, n in `gates` and `whn` in its own buffers. Index names: `row` is the first gate row
 * of step t, `at` the unit's reset-gate entry in it (`at + H`: update, `at + 2H`: new),
 * `hat` the same in the hidden products, `u` the unit's entry in a `[B, H]` state.
 */
/** The GRU's own buffers. */
export interface GruBuffers {
  /** One step's hidden products `W_h{r,z,n} h + b_h{r,z,n}` `[B, 3H]`. */
  readonly hidden: FloatArray;
  /** `whn = W_hn h + b_hn` of every step `[T, B, H]`, for the backward pass. */
  readonly whn: FloatArray;
  /** `z⊙dh` of one step `[B, H]`: the part of dL/dh_{t-1} that skips the gates. */
  readonly skip: FloatArray;
}

export const gruCell: CellKernel<GruBuffers> = {
  gates: 3,
  cellState: false,
  hiddenApart: true,
  buffers(allocate, T, B, H): GruBuffers {
    return { hidden: allocate(B * 3 * H), whn: allocate(T * B * H), skip: allocate(B * H) };
  },
  forward(d: Direction, { hidden, whn: whnAll }: GruBuffers): void {
    projectInputs(d, false);
    const { T, B, H, p, gates, hs } = d;
    const { whh, bhh } = d.w;
    const BH = B * H;
    const GH = 3 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * B * GH;
      if (bhh >= 0) for (let b = 0; b < B; b++) copy(hidden, b * GH, p, bhh, GH);
      gemm(false, true, B, GH, H, hs, prev, H, p, whh, H, hidden, 0, GH, bhh >= 0);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const at = row + b * GH + j;
          const hat = b * GH + j;
          const u = b * H + j;
          const r = sigmoid(gates[at] + hidden[hat]);
          const z = sigmoid(gates[at + H] + hidden[hat + H]);
          const whn = hidden[hat + 2 * H];
          const n = Math.tanh(gates[at + 2 * H] + r * whn);
          gates[at] = r;
          gates[at + H] = z;
          gates[at + 2 * H] = n;
          whnAll[t * BH + u] = whn;
          hs[cur + u] = (1 - z) * n + z * hs[prev + u];
        }
      }
      carryInactive(d, t, hs, prev, cur);
    }
  },
  backward(d: Direction, { whn: whnAll, skip }: GruBuffers): void {
    const { T, B, H, p, gates, hs, dGates, dGatesHidden, dh, dhNext, lengths } = d;
    const whh = d.w.whh;
    const BH = B * H;
    const GH = 3 * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const row = t * B * GH;
      gatherStepGrad(d, t);
      for (let b = 0; b < B; b++) {
        if (!isRealStep(lengths, b, t)) continue;
        for (let j = 0; j < H; j++) {
          const at = row + b * GH + j;
          const u = b * H + j;
          const r = gates[at];
          const z = gates[at + H];
          const n = gates[at + 2 * H];
          const dhv = dh[u];
          const dnPre = dhv * (1 - z) * (1 - n * n);
          const dzPre = dhv * (hs[prev + u] - n) * z * (1 - z);
          const drPre = dnPre * whnAll[t * BH + u] * r * (1 - r);
          dGates[at] = drPre;
          dGates[at + H] = dzPre;
          dGates[at + 2 * H] = dnPre;
          dGatesHidden[at] = drPre;
          dGatesHidden[at + H] = dzPre;
          dGatesHidden[at + 2 * H] = dnPre * r;
          skip[u] = dhv * z;
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, GH, dGatesHidden, row, GH, p, whh, H, dhNext, 0, H, false);
      for (let i = 0; i < B * H; i++) dhNext[i] += skip[i];
      passInactive(d, t, dhNext, dh);
    }
  },
};
