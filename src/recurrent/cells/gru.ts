import type { Buf } from '../../kernels/memory.js';
import { isRealStep } from '../../nn/padding.js';
import { sigmoid } from '../../tensor/ops.js';
import type { CellSpec, Direction } from '../direction.js';
import { backwardLoop, carryInactive, projectInputs } from '../steps.js';
import { forRealRows, wasmBackward, wasmForward } from '../wasm-loop.js';
import { gruResetBeforeCell } from './gru-reset-before.js';

/** The GRU's own buffers. */
export interface GruBuffers {
  /** One step's hidden products `W_h{r,z,n} h + b_h{r,z,n}` `[B, 3H]`. */
  readonly hidden: Buf;
  /** `whn = W_hn h + b_hn` of every step `[T, B, H]`, for the backward pass. */
  readonly whn: Buf;
  /** `z⊙dh` of one step `[B, H]`: the part of dL/dh_{t-1} that skips the gates. */
  readonly skip: Buf;
}

/**
 * GRU cell, gate rows r, z, n (PyTorch's order and form):
 * `r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})`,
 * `n = tanh(W_in x + b_in + r⊙whn)` with `whn = W_hn h + b_hn`, `h' = (1−z)⊙n + z⊙h`.
 * Backward: `dn = dh'(1−z)(1−n²)`, `dz = dh'(h−n)z(1−z)`, `dr = dn⊙whn⊙r(1−r)`; the hidden
 * product's gradient is the same but `dn⊙r` for the n block, and `z⊙dh'` skips the gates.
 * Index names: `row` is the first gate row of step t, `at` the unit's reset-gate entry in it
 * (`at + H`: update, `at + 2H`: new), `hat` the same in the hidden products, `u` the unit's
 * entry in a `[B, H]` state.
 */
export const gruCell: CellSpec<GruBuffers> = {
  name: 'gru',
  gates: 3,
  gateOrder: ['r', 'z', 'n'],
  cellState: false,
  hiddenApart: true,
  resetBeforeProduct: gruResetBeforeCell as CellSpec,
  buffers(alloc, T, B, H): GruBuffers {
    return { hidden: alloc(B * 3 * H), whn: alloc(T * B * H), skip: alloc(B * H) };
  },
  forward(d: Direction, own: GruBuffers): void {
    projectInputs(d, false);
    const { T, B, H, kernels: k } = d;
    const { whh, bhh } = d.w;
    const GH = 3 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      if (bhh >= 0) {
        const [hidden, p] = [own.hidden.a, d.p.a];
        for (let b = 0; b < B; b++) hidden.set(p.subarray(bhh, bhh + GH), b * GH);
      }
      k.gemm(false, true, B, GH, H, d.hs, prev, H, d.p, whh, H, own.hidden, 0, GH, bhh >= 0);
      forwardGates(d, own, t, prev, cur, t * B * GH);
      carryInactive(d, t, d.hs, prev, cur);
    }
  },
  backward(d: Direction, own: GruBuffers): void {
    const BH = d.B * d.H;
    backwardLoop(
      d,
      (t, prev, row) => backwardGates(d, own, t, prev, row),
      () => {
        const [dhNext, skip] = [d.dhNext.a, own.skip.a];
        for (let i = 0; i < BH; i++) dhNext[i] += skip[i];
      },
    );
  },
  wasm: {
    forward(d, { hidden, whn }, m): void {
      const { B, H } = d;
      const GH = 3 * H;
      const bhh = d.w.bhh >= 0 ? d.p.at(d.w.bhh) : 0;
      wasmForward(d, m, (c, t, prev, cur, row) => {
        c.product(d.hs.at(prev), hidden.at(0), false, bhh);
        // prettier-ignore
        c.k.gruForward(B, H, d.gates.at(row), hidden.at(0), GH, d.hs.at(prev), whn.at(t * B * H), d.hs.at(cur));
      });
    },
    backward(d, { whn, skip }, m): void {
      const { B, H } = d;
      const GH = 3 * H;
      wasmBackward(
        d,
        m,
        (k, t, prev, row) => {
          forRealRows(d, t, (b, n) => {
            const [g, u] = [row + b * GH, b * H];
            // prettier-ignore
            k.gruBackward(n, H, d.gates.at(g), d.dGatesHidden.at(g), GH, d.hs.at(prev + u), whn.at(t * B * H + u), d.dh.at(u), skip.at(u));
          });
        },
        (k) => k.addInto(d.dhNext.at(0), skip.at(0), B * H),
      );
    },
  },
};

/** Step t's gates from its input projection and the hidden products; writes whn and h. */
function forwardGates(
  d: Direction,
  own: GruBuffers,
  t: number,
  prev: number,
  cur: number,
  row: number,
): void {
  const { B, H } = d;
  const GH = 3 * H;
  const [gates, hidden, whnAll, hs] = [d.gates.a, own.hidden.a, own.whn.a, d.hs.a];
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
      whnAll[t * B * H + u] = whn;
      hs[cur + u] = (1 - z) * n + z * hs[prev + u];
    }
  }
}

/** Step t's gate gradients (input and hidden products) and the part of dL/dh that skips the gates. */
function backwardGates(d: Direction, own: GruBuffers, t: number, prev: number, row: number): void {
  const { B, H, lengths } = d;
  const GH = 3 * H;
  const [gates, dGh, hs, dh] = [d.gates.a, d.dGatesHidden.a, d.hs.a, d.dh.a];
  const [whnAll, skip] = [own.whn.a, own.skip.a];
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
      const drPre = dnPre * whnAll[t * B * H + u] * r * (1 - r);
      gates[at] = drPre;
      gates[at + H] = dzPre;
      gates[at + 2 * H] = dnPre;
      dGh[at] = drPre;
      dGh[at + H] = dzPre;
      dGh[at + 2 * H] = dnPre * r;
      skip[u] = dhv * z;
    }
  }
}
