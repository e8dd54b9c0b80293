import { gemm } from '../tensor/gemm.js';
import {
  carryInactive,
  gatherStepGrad,
  passInactive,
  projectInputs,
  zeroInactiveGates,
  type CellKernel,
  type Direction,
} from './direction.js';

/** Elman RNN cell: `h' = act(W_ih x + b_ih + W_hh h + b_hh)`, act = tanh or relu. */
export const rnnCell: CellKernel = {
  gates: 1,
  cellState: false,
  forward(d: Direction): void {
    projectInputs(d, true);
    const { T, B, H, relu, p, xg, hs } = d;
    const whh = d.w.whh;
    const BH = B * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * BH;
      gemm(false, true, B, H, H, hs, prev, H, p, whh, H, xg, row, H, true);
      if (relu) {
        for (let i = 0; i < BH; i++) {
          const v = xg[row + i];
          hs[cur + i] = v > 0 ? v : 0;
        }
      } else {
        for (let i = 0; i < BH; i++) hs[cur + i] = Math.tanh(xg[row + i]);
      }
      carryInactive(d, t, hs, prev, cur);
    }
  },
  backward(d: Direction): void {
    const { T, B, H, relu, p, hs, dgIh, dh, dhNext } = d;
    const whh = d.w.whh;
    const BH = B * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = d.timeAt(s);
      const cur = d.stateAfter(t);
      const row = t * BH;
      gatherStepGrad(d, t);
      if (relu) {
        for (let i = 0; i < BH; i++) dgIh[row + i] = hs[cur + i] > 0 ? dh[i] : 0;
      } else {
        for (let i = 0; i < BH; i++) {
          const h = hs[cur + i];
          dgIh[row + i] = dh[i] * (1 - h * h);
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, H, dgIh, row, H, p, whh, H, dhNext, 0, H, false);
      passInactive(d, t, dhNext, dh);
    }
  },
};
