import type { Buf } from '../kernels/memory.js';
import { isRealStep } from '../nn/padding.js';
import type { Direction } from './direction.js';

// The pieces of a time loop that every cell shares, on either backend: the input projection
// and the padding rules (a step past a sequence's end is the identity, forward and backward).

/**
 * `gates = X·W_ihᵀ + b_ih` for every step in one product, plus `b_hh` when `foldHiddenBias`
 * (cells that add both biases to the same pre-activation; GRU keeps `b_hh` apart).
 */
export function projectInputs(d: Direction, foldHiddenBias: boolean): void {
  const { T, B, In, w } = d;
  const GH = d.G * d.H;
  const rows = T * B;
  d.kernels.gemm(false, true, rows, GH, In, d.x, 0, In, d.p, w.wih, In, d.gates, 0, GH, false);
  if (w.bih < 0) return;
  const [gates, p] = [d.gates.a, d.p.a];
  for (let r = 0; r < rows; r++) {
    const o = r * GH;
    for (let j = 0; j < GH; j++) gates[o + j] += p[w.bih + j];
    if (foldHiddenBias) for (let j = 0; j < GH; j++) gates[o + j] += p[w.bhh + j];
  }
}

/** `dh = dhNext + dOut[t]`: the gradient reaching the state after time t. Padded steps receive none from the output. */
export function gatherStepGrad(d: Direction, t: number): void {
  const { B, H, outCol, ldo, lengths } = d;
  const [dh, dhNext, dOut] = [d.dh.a, d.dhNext.a, d.dOut.a];
  for (let b = 0; b < B; b++) {
    const r = b * H;
    if (!isRealStep(lengths, b, t)) {
      for (let j = 0; j < H; j++) dh[r + j] = dhNext[r + j];
    } else {
      const o = (t * B + b) * ldo + outCol;
      for (let j = 0; j < H; j++) dh[r + j] = dhNext[r + j] + dOut[o + j];
    }
  }
  const norms = d.stepGradNorms;
  if (norms !== null) {
    let s = 0;
    for (let i = 0; i < B * H; i++) s += dh[i] * dh[i];
    norms[t] = Math.sqrt(s);
  }
}

/**
 * For sequences already over (forward) or not yet begun (backward) at time t, the step is
 * the identity: copy the previous state slot over the new one.
 */
export function carryInactive(d: Direction, t: number, buf: Buf, prev: number, cur: number): void {
  const { B, H, lengths } = d;
  if (lengths === null) return;
  const states = buf.a;
  for (let b = 0; b < B; b++) {
    if (isRealStep(lengths, b, t)) continue;
    const r = b * H;
    for (let j = 0; j < H; j++) states[cur + r + j] = states[prev + r + j];
  }
}

/** In backward, an identity step passes its gradient through and contributes no gate gradients. */
export function passInactive(d: Direction, t: number, next: Buf, current: Buf): void {
  const { B, H, lengths } = d;
  if (lengths === null) return;
  const [n, c] = [next.a, current.a];
  for (let b = 0; b < B; b++) {
    if (isRealStep(lengths, b, t)) continue;
    const r = b * H;
    for (let j = 0; j < H; j++) n[r + j] = c[r + j];
  }
}

/** Zeroes the gate-gradient rows of steps that are padding, before they reach any product. */
export function zeroInactiveGates(d: Direction, t: number): void {
  const { B, H, lengths } = d;
  if (lengths === null) return;
  const GH = d.G * H;
  const [dGates, dGatesHidden] = [d.dGates.a, d.dGatesHidden.a];
  for (let b = 0; b < B; b++) {
    if (isRealStep(lengths, b, t)) continue;
    const o = (t * B + b) * GH;
    dGates.fill(0, o, o + GH);
    if (d.dGatesHidden !== d.dGates) dGatesHidden.fill(0, o, o + GH);
  }
}

/**
 * The TypeScript backward loop of cells whose hidden product is one `[B, G·H]·W_hh`: for each
 * step from the last, gathers dL/dh, calls `step(t, prev, row)` for the gate gradients (`row`:
 * the step's first gate row), sends `dGatesHidden·W_hh` to the step before, then `after()` (a
 * term that skips the gates) and the padding rule. wasm-loop.ts has its twin.
 */
export function backwardLoop(
  d: Direction,
  step: (t: number, prev: number, row: number) => void,
  after?: () => void,
): void {
  const { T, B, H, kernels: k } = d;
  const GH = d.G * H;
  for (let s = T - 1; s >= 0; s--) {
    const t = d.timeAt(s);
    const row = t * B * GH;
    gatherStepGrad(d, t);
    step(t, d.stateBefore(t), row);
    zeroInactiveGates(d, t);
    // prettier-ignore
    k.gemm(false, false, B, H, GH, d.dGatesHidden, row, GH, d.p, d.w.whh, H, d.dhNext, 0, H, false);
    after?.();
    passInactive(d, t, d.dhNext, d.dh);
  }
}
