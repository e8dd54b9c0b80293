import type { Buf } from '../../kernels/memory.js';
import { isRealStep } from '../../nn/padding.js';
import { sigmoid } from '../../tensor/ops.js';
import type { CellSpec, Direction } from '../direction.js';
import { backwardLoop, carryInactive, projectInputs } from '../steps.js';
import { forRealRows, wasmBackward, wasmForward } from '../wasm-loop.js';

/** The LSTM's own buffers. */
export interface LstmBuffers {
  /** tanh(c) after every step `[T, B, H]`, for the backward pass. */
  readonly tanhC: Buf;
}

/**
 * LSTM cell, gate rows i, f, g, o (PyTorch's order):
 * `i, f, o = σ(·)`, `g = tanh(·)` of `W_ih x + b_ih + W_hh h + b_hh`;
 * `c' = f⊙c + i⊙g`, `h' = o⊙tanh(c')`.
 * Forward keeps the activated gates in `gates`, c in `cs` and tanh(c) in `tanhC`.
 * Backward, with `dc = dc' + dh'⊙o⊙(1 − tanh²c')`: `di = dc⊙g⊙i(1−i)`, `df = dc⊙c⊙f(1−f)`,
 * `dg = dc⊙i⊙(1−g²)`, `do = dh'⊙tanh(c')⊙o(1−o)`, and `dc ← dc⊙f` flows to the step before.
 */
export const lstmCell: CellSpec<LstmBuffers> = {
  name: 'lstm',
  gates: 4,
  gateOrder: ['i', 'f', 'g', 'o'],
  cellState: true,
  hiddenApart: false,
  forgetGate: 1,
  buffers(alloc, T, B, H): LstmBuffers {
    return { tanhC: alloc(T * B * H) };
  },
  forward(d: Direction, own: LstmBuffers): void {
    projectInputs(d, true);
    const { T, B, H, kernels: k } = d;
    const GH = 4 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      const row = t * B * GH;
      k.gemm(false, true, B, GH, H, d.hs, prev, H, d.p, d.w.whh, H, d.gates, row, GH, true);
      forwardGates(d, own, t, prev, cur, row);
      carryInactive(d, t, d.hs, prev, cur);
      carryInactive(d, t, d.cs, prev, cur);
    }
  },
  backward(d: Direction, own: LstmBuffers): void {
    backwardLoop(d, (t, prev, row) => backwardGates(d, own, t, prev, row));
  },
  wasm: {
    forward(d, { tanhC }, m): void {
      const { B, H } = d;
      const GH = 4 * H;
      wasmForward(d, m, (c, t, prev, cur, row) => {
        // prettier-ignore
        c.k.lstmForward(B, H, d.gates.at(row), GH, d.cs.at(prev), d.cs.at(cur), tanhC.at(t * B * H), d.hs.at(cur));
      });
    },
    backward(d, { tanhC }, m): void {
      const { B, H } = d;
      const GH = 4 * H;
      wasmBackward(d, m, (k, t, prev, row) => {
        forRealRows(d, t, (b, n) => {
          const [g, u] = [row + b * GH, b * H];
          // prettier-ignore
          k.lstmBackward(n, H, d.gates.at(g), GH, d.cs.at(prev + u), tanhC.at(t * B * H + u), d.dh.at(u), d.dcNext.at(u));
        });
      });
    },
  },
};

/** Activates step t's gates in place and writes c, tanh(c) and h. */
function forwardGates(
  d: Direction,
  { tanhC }: LstmBuffers,
  t: number,
  prev: number,
  cur: number,
  row: number,
): void {
  const { B, H } = d;
  const GH = 4 * H;
  const [gates, cs, hs, tc_] = [d.gates.a, d.cs.a, d.hs.a, tanhC.a];
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
      tc_[t * B * H + u] = tc;
      hs[cur + u] = o * tc;
    }
  }
}

/** Writes step t's gate gradients over its gates and the cell-state gradient to the step before. */
function backwardGates(
  d: Direction,
  { tanhC }: LstmBuffers,
  t: number,
  prev: number,
  row: number,
): void {
  const { B, H, lengths } = d;
  const GH = 4 * H;
  const [gates, cs, dh, dcNext, tcs] = [d.gates.a, d.cs.a, d.dh.a, d.dcNext.a, tanhC.a];
  for (let b = 0; b < B; b++) {
    if (!isRealStep(lengths, b, t)) continue; // padding: dcNext passes through
    for (let j = 0; j < H; j++) {
      const at = row + b * GH + j;
      const u = b * H + j;
      const i = gates[at];
      const f = gates[at + H];
      const g = gates[at + 2 * H];
      const o = gates[at + 3 * H];
      const tc = tcs[t * B * H + u];
      const dhv = dh[u];
      const dc = dcNext[u] + dhv * o * (1 - tc * tc);
      gates[at] = dc * g * i * (1 - i);
      gates[at + H] = dc * cs[prev + u] * f * (1 - f);
      gates[at + 2 * H] = dc * i * (1 - g * g);
      gates[at + 3 * H] = dhv * tc * o * (1 - o);
      dcNext[u] = dc * f;
    }
  }
}
