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
export const rnnCell: CellKernel<null> = {
  gates: 1,
  cellState: false,
  hiddenApart: false,
  buffers(): null {
    return null;
  },
  forward(d: Direction): void {
    projectInputs(d, true);
    const { T, B, H, relu, p, gates, hs } = d;
    const whh = d.w.whh;
    const BH = B * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * BH;
      gemm(false, true, B, H, H, hs, prev, H, p, whh, H, gates, row, H, true);
      if (relu) {
        for (let i = 0; i < BH; i++) {
          const v = gates[row + i];
          hs[cur + i] = v > 0 ? v : 0;
        }
      } else {
        for (let i = 0; i < BH; i++) hs[cur + i] = Math.tanh(gates[row + i]);
      }
      carryInactive(d, t, hs, prev, cur);
    }
  },
  backward(d: Direction): void {
    const { T, B, H, relu, p, hs, dGates, dh, dhNext } = d;
    const whh = d.w.whh;
    const BH = B * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = d.timeAt(s);
      const cur = d.stateAfter(t);
      const row = t * BH;
      gatherStepGrad(d, t);
      if (relu) {
        for (let i = 0; i < BH; i++) dGates[row + i] = hs[cur + i] > 0 ? dh[i] : 0;
      } else {
        for (let i = 0; i < BH; i++) {
          const h = hs[cur + i];
          dGates[row + i] = dh[i] * (1 - h * h);
        }
      }
      zeroInactiveGates(d, t);
      gemm(false, false, B, H, H, dGates, row, H, p, whh, H, dhNext, 0, H, false);
      passInactive(d, t, dhNext, dh);
    }
  },
};
