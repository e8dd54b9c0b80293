import type { Buf } from '../../kernels/memory.js';
import { isRealStep } from '../../nn/padding.js';
import { sigmoid } from '../../tensor/ops.js';
import type { CellSpec, Direction } from '../direction.js';
import {
  carryInactive,
  gatherStepGrad,
  passInactive,
  projectInputs,
  zeroInactiveGates,
} from '../steps.js';

/** The buffers of the GRU with the reset gate before the hidden product. */
export interface GruResetBeforeBuffers {
  /** One step's hidden products `[B, 3H]`: `W_h{r,z} h + b_h{r,z}`, then `W_hn (r⊙h) + b_hn`. */
  readonly hidden: Buf;
  /** `r⊙h_{t-1}` of every step `[T, B, H]`: the input of the n block's hidden product. */
  readonly rh: Buf;
  /** One step's `dL/d(r⊙h)` `[B, H]`. */
  readonly drh: Buf;
  /** The part of dL/dh_{t-1} that does not go through the r and z products `[B, H]`. */
  readonly skip: Buf;
}

/**
 * The GRU of Cho et al. (ONNX's `linear_before_reset=0`, Keras's `reset_after=False`): gate
 * rows r, z, n as in PyTorch's GRU, but the reset gate scales the state before its product,
 * `n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn)`; `r, z = σ(W_i· x + b_i· + W_h· h + b_h·)`,
 * `h' = (1−z)⊙n + z⊙h`. Backward: `dn = dh'(1−z)(1−n²)`, `dz = dh'(h−n)z(1−z)`,
 * `d(r⊙h) = dn·W_hn`, `dr = d(r⊙h)⊙h⊙r(1−r)`, and dL/dh_{t-1} = `dh'⊙z + d(r⊙h)⊙r +
 * [dr, dz]·W_h{r,z}`; `dW_hn` sums `dnᵀ·(r⊙h)` rather than `dnᵀ·h`.
 */
export const gruResetBeforeCell: CellSpec<GruResetBeforeBuffers> = {
  name: 'gru',
  gates: 3,
  gateOrder: ['r', 'z', 'n'],
  cellState: false,
  hiddenApart: true,
  buffers(alloc, T, B, H): GruResetBeforeBuffers {
    return {
      hidden: alloc(B * 3 * H),
      rh: alloc(T * B * H),
      drh: alloc(B * H),
      skip: alloc(B * H),
    };
  },
  forward(d: Direction, own: GruResetBeforeBuffers): void {
    projectInputs(d, false);
    const { T, B, H, kernels: k } = d;
    const { whh, bhh } = d.w;
    const GH = 3 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const [prev, cur, row] = [d.stateBefore(t), d.stateAfter(t), t * B * GH];
      fillBias(d, own.hidden, bhh);
      k.gemm(false, true, B, 2 * H, H, d.hs, prev, H, d.p, whh, H, own.hidden, 0, GH, true);
      resetGates(d, own, t, prev, row);
      // prettier-ignore
      k.gemm(false, true, B, H, H, own.rh, t * B * H, H, d.p, whh + 2 * H * H, H, own.hidden, 2 * H, GH, true);
      const [g, hp, hs] = [d.gates.a, own.hidden.a, d.hs.a];
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const [at, u] = [row + b * GH + j, b * H + j];
          const n = Math.tanh(g[at + 2 * H] + hp[b * GH + 2 * H + j]);
          const z = g[at + H];
          g[at + 2 * H] = n;
          hs[cur + u] = (1 - z) * n + z * hs[prev + u];
        }
      }
      carryInactive(d, t, d.hs, prev, cur);
    }
  },
  backward(d: Direction, own: GruResetBeforeBuffers): void {
    const { T, B, H, kernels: k } = d;
    const GH = 3 * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = d.timeAt(s);
      const [prev, row] = [d.stateBefore(t), t * B * GH];
      gatherStepGrad(d, t);
      newGateGrads(d, own, t, prev, row);
      // d(r⊙h) = dn·W_hn, from the n block of the hidden-product gradients.
      // prettier-ignore
      k.gemm(false, false, B, H, H, d.dGatesHidden, row + 2 * H, GH, d.p, d.w.whh + 2 * H * H, H, own.drh, 0, H, false);
      resetGateGrads(d, own, t, prev, row);
      zeroInactiveGates(d, t);
      // prettier-ignore
      k.gemm(false, false, B, H, 2 * H, d.dGatesHidden, row, GH, d.p, d.w.whh, H, d.dhNext, 0, H, false);
      const [dhNext, skip] = [d.dhNext.a, own.skip.a];
      for (let i = 0; i < B * H; i++) dhNext[i] += skip[i];
      passInactive(d, t, d.dhNext, d.dh);
    }
  },
  addHiddenWeightGrads(d: Direction, own: GruResetBeforeBuffers, t0: number, steps: number): void {
    const { B, H, w, kernels: k } = d;
    const GH = 3 * H;
    const [gRow, rows] = [t0 * B * GH, steps * B];
    const prevStart = (d.reverse ? 2 * B * H : 0) + t0 * B * H;
    // prettier-ignore
    k.gemm(true, false, 2 * H, H, rows, d.dGatesHidden, gRow, GH, d.hs, prevStart, H, d.g, w.whh, H, true);
    // prettier-ignore
    k.gemm(true, false, H, H, rows, d.dGatesHidden, gRow + 2 * H, GH, own.rh, t0 * B * H, H, d.g, w.whh + 2 * H * H, H, true);
  },
};

/** Every row of `hidden` starts from `b_hh` (or zero without biases). */
function fillBias(d: Direction, hidden: Buf, bhh: number): void {
  const [out, p] = [hidden.a, d.p.a];
  const GH = 3 * d.H;
  for (let b = 0; b < d.B; b++) {
    if (bhh < 0) out.fill(0, b * GH, (b + 1) * GH);
    else out.set(p.subarray(bhh, bhh + GH), b * GH);
  }
}

/** r and z of step t from the input projection and the r, z hidden products; writes r⊙h. */
function resetGates(
  d: Direction,
  own: GruResetBeforeBuffers,
  t: number,
  prev: number,
  row: number,
): void {
  const { B, H } = d;
  const GH = 3 * H;
  const [g, hp, hs, rh] = [d.gates.a, own.hidden.a, d.hs.a, own.rh.a];
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const [at, hat, u] = [row + b * GH + j, b * GH + j, b * H + j];
      const r = sigmoid(g[at] + hp[hat]);
      g[at] = r;
      g[at + H] = sigmoid(g[at + H] + hp[hat + H]);
      rh[t * B * H + u] = r * hs[prev + u];
    }
  }
}

/** The n and z gradients of step t (both products), and `dh'⊙z` into `skip`. */
function newGateGrads(
  d: Direction,
  own: GruResetBeforeBuffers,
  t: number,
  prev: number,
  row: number,
): void {
  const { B, H, lengths } = d;
  const GH = 3 * H;
  const [g, gh, hs, dh, skip] = [d.gates.a, d.dGatesHidden.a, d.hs.a, d.dh.a, own.skip.a];
  for (let b = 0; b < B; b++) {
    const real = isRealStep(lengths, b, t);
    for (let j = 0; j < H; j++) {
      const [at, u] = [row + b * GH + j, b * H + j];
      const [z, n, dhv] = [g[at + H], g[at + 2 * H], real ? dh[u] : 0];
      const dn = dhv * (1 - z) * (1 - n * n);
      const dz = dhv * (hs[prev + u] - n) * z * (1 - z);
      g[at + H] = gh[at + H] = dz;
      g[at + 2 * H] = gh[at + 2 * H] = dn;
      skip[u] = dhv * z;
    }
  }
}

/** The r gradients of step t from `d(r⊙h)`, and `d(r⊙h)⊙r` added to `skip`. */
function resetGateGrads(
  d: Direction,
  own: GruResetBeforeBuffers,
  t: number,
  prev: number,
  row: number,
): void {
  const { B, H } = d;
  const GH = 3 * H;
  const [g, gh, hs, drh, skip] = [d.gates.a, d.dGatesHidden.a, d.hs.a, own.drh.a, own.skip.a];
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const [at, u] = [row + b * GH + j, b * H + j];
      const r = g[at];
      g[at] = gh[at] = drh[u] * hs[prev + u] * r * (1 - r);
      skip[u] += drh[u] * r;
    }
  }
}
