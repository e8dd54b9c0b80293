import { gemm } from '../tensor/gemm.js';
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
 * `n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))`, `h' = (1−z)⊙n + z⊙h`.
 * Forward keeps r, z, n in `xg` and `W_hn h + b_hn` in `aux`.
 */
export const gruCell: CellKernel = {
  gates: 3,
  cellState: false,
  forward(d: Direction): void {
    projectInputs(d, false);
    const { T, B, H, reverse, p, xg, hs, aux, scratch } = d;
    const { whh, bhh } = d.w;
    const BH = B * H;
    const GH = 3 * H;
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const prev = (reverse ? t + 2 : t) * BH;
      const cur = (t + 1) * BH;
      const z = t * B * GH;
      if (bhh >= 0) for (let b = 0; b < B; b++) copy(scratch, b * GH, p, bhh, GH);
      gemm(false, true, B, GH, H, hs, prev, H, p, whh, H, scratch, 0, GH, bhh >= 0);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const q = z + b * GH + j;
          const k = b * GH + j;
          const r = b * H + j;
          const rg = sigmoid(xg[q] + scratch[k]);
          const zg = sigmoid(xg[q + H] + scratch[k + H]);
          const hn = scratch[k + 2 * H];
          const n = Math.tanh(xg[q + 2 * H] + rg * hn);
          xg[q] = rg;
          xg[q + H] = zg;
          xg[q + 2 * H] = n;
          aux[t * BH + r] = hn;
          hs[cur + r] = (1 - zg) * n + zg * hs[prev + r];
        }
      }
      carryInactive(d, t, hs, prev, cur);
    }
  },
  backward(d: Direction): void {
    const { T, B, H, reverse, p, xg, hs, aux, dgIh, dgHh, dh, dhNext, lengths } = d;
    const direct = d.dc; // z⊙dh, the part of dh_{t-1} that skips the gates
    const whh = d.w.whh;
    const BH = B * H;
    const GH = 3 * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const prev = (reverse ? t + 2 : t) * BH;
      const z = t * B * GH;
      gatherStepGrad(d, t);
      for (let b = 0; b < B; b++) {
        if (lengths !== null && t >= lengths[b]) continue;
        for (let j = 0; j < H; j++) {
          const q = z + b * GH + j;
          const r = b * H + j;
          const rg = xg[q];
          const zg = xg[q + H];
          const n = xg[q + 2 * H];
          const dhv = dh[r];
          const dnPre = dhv * (1 - zg) * (1 - n * n);
          const dzPre = dhv * (hs[prev + r] - n) * zg * (1 - zg);
          const drPre = dnPre * aux[t * BH + r] * rg * (1 - rg);
          dgIh[q] = drPre;
          dgIh[q + H] = dzPre;
          dgIh[q + 2 * H] = dnPre;
          dgHh[q] = drPre;
          dgHh[q + H] = dzPre;
          dgHh[q + 2 * H] = dnPre * rg;
          direct[r] = dhv * zg;
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, GH, dgHh, z, GH, p, whh, H, dhNext, 0, H, false);
      for (let i = 0; i < B * H; i++) dhNext[i] += direct[i];
      passInactive(d, t, dhNext, dh);
    }
  },
};
