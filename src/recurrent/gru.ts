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
 * Forward keeps r, z, n in `xg` and `whn` in `aux`. Index names: `row` is the first gate row
 * of step t, `at` the unit's reset-gate entry in it (`at + H`: update, `at + 2H`: new),
 * `hat` the same in the hidden products, `u` the unit's entry in a `[B, H]` state.
 */
export const gruCell: CellKernel = {
  gates: 3,
  cellState: false,
  forward(d: Direction): void {
    projectInputs(d, false);
    const { T, B, H, p, xg, hs, aux, scratch } = d;
    const { whh, bhh } = d.w;
    const BH = B * H;
    const GH = 3 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * B * GH;
      if (bhh >= 0) for (let b = 0; b < B; b++) copy(scratch, b * GH, p, bhh, GH);
      gemm(false, true, B, GH, H, hs, prev, H, p, whh, H, scratch, 0, GH, bhh >= 0);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const at = row + b * GH + j;
          const hat = b * GH + j;
          const u = b * H + j;
          const r = sigmoid(xg[at] + scratch[hat]);
          const z = sigmoid(xg[at + H] + scratch[hat + H]);
          const whn = scratch[hat + 2 * H];
          const n = Math.tanh(xg[at + 2 * H] + r * whn);
          xg[at] = r;
          xg[at + H] = z;
          xg[at + 2 * H] = n;
          aux[t * BH + u] = whn;
          hs[cur + u] = (1 - z) * n + z * hs[prev + u];
        }
      }
      carryInactive(d, t, hs, prev, cur);
    }
  },
  backward(d: Direction): void {
    const { T, B, H, p, xg, hs, aux, dgIh, dgHh, dh, dhNext, lengths } = d;
    const direct = d.dc; // z⊙dh, the part of dh_{t-1} that skips the gates
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
          const r = xg[at];
          const z = xg[at + H];
          const n = xg[at + 2 * H];
          const dhv = dh[u];
          const dnPre = dhv * (1 - z) * (1 - n * n);
          const dzPre = dhv * (hs[prev + u] - n) * z * (1 - z);
          const drPre = dnPre * aux[t * BH + u] * r * (1 - r);
          dgIh[at] = drPre;
          dgIh[at + H] = dzPre;
          dgIh[at + 2 * H] = dnPre;
          dgHh[at] = drPre;
          dgHh[at + H] = dzPre;
          dgHh[at + 2 * H] = dnPre * r;
          direct[u] = dhv * z;
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, GH, dgHh, row, GH, p, whh, H, dhNext, 0, H, false);
      for (let i = 0; i < B * H; i++) dhNext[i] += direct[i];
      passInactive(d, t, dhNext, dh);
    }
  },
};
