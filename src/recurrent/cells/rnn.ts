import type { CellSpec, Direction } from '../direction.js';
import { backwardLoop, carryInactive, projectInputs } from '../steps.js';
import { wasmBackward, wasmForward } from '../wasm-loop.js';

/**
 * Elman RNN cell: `h' = act(W_ih x + b_ih + W_hh h + b_hh)`, act = tanh or relu.
 * Backward: `dpre = dh ⊙ act'(pre)`, with `act' = 1 − h'²` for tanh and `[h' > 0]` for relu.
 */
export const rnnCell: CellSpec<null> = {
  name: 'rnn',
  gates: 1,
  gateOrder: ['h'],
  cellState: false,
  hiddenApart: false,
  nonlinearity: true,
  buffers(): null {
    return null;
  },
  forward(d: Direction): void {
    projectInputs(d, true);
    const { T, B, H, relu, kernels: k } = d;
    const BH = B * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * BH;
      k.gemm(false, true, B, H, H, d.hs, prev, H, d.p, d.w.whh, H, d.gates, row, H, true);
      const [gates, hs] = [d.gates.a, d.hs.a];
      if (relu) {
        for (let i = 0; i < BH; i++) {
          const v = gates[row + i];
          hs[cur + i] = v > 0 ? v : 0;
        }
      } else {
        for (let i = 0; i < BH; i++) hs[cur + i] = Math.tanh(gates[row + i]);
      }
      carryInactive(d, t, d.hs, prev, cur);
    }
  },
  backward(d: Direction): void {
    const { H, B, relu } = d;
    const BH = B * H;
    backwardLoop(d, (t, _prev, row) => {
      const cur = d.stateAfter(t);
      const [hs, dGates, dh] = [d.hs.a, d.dGates.a, d.dh.a];
      if (relu) {
        for (let i = 0; i < BH; i++) dGates[row + i] = hs[cur + i] > 0 ? dh[i] : 0;
      } else {
        for (let i = 0; i < BH; i++) {
          const h = hs[cur + i];
          dGates[row + i] = dh[i] * (1 - h * h);
        }
      }
    });
  },
  wasm: {
    forward(d, _own, m): void {
      const BH = d.B * d.H;
      wasmForward(d, m, (c, _t, prev, cur, row) => {
        c.k.rnnForward(BH, d.gates.at(row), d.hs.at(cur), d.relu);
      });
    },
    backward(d, _own, m): void {
      const BH = d.B * d.H;
      wasmBackward(d, m, (k, t, _prev, row) => {
        k.rnnBackward(BH, d.hs.at(d.stateAfter(t)), d.dh.at(0), d.dGates.at(row), d.relu);
      });
    },
  },
};
