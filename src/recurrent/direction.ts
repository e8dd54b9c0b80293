import type { DType, FloatArray } from '../tensor/dtype.js';
import { allocateBuffer } from '../tensor/buffers.js';
import { addColumnSums, copyRows, gemm } from '../kernels/dispatch.js';
import { isRealStep } from '../nn/padding.js';

/** Offsets of one direction's weights in the flat parameter array (-1: no bias). */
export interface DirectionWeights {
  readonly wih: number;
  readonly whh: number;
  readonly bih: number;
  readonly bhh: number;
}

/**
 * The forward and backward pass of one cell type over a whole sequence, for one layer and
 * direction. Each cell writes both passes out explicitly over the shared buffers of a
 * {@link Direction} and its own buffers `E`, which it allocates and whose type says what they hold.
 */
export interface CellKernel<E> {
  /** Gate blocks per hidden unit: 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n). */
  readonly gates: number;
  /** Whether the cell carries a second state `c` (LSTM). */
  readonly cellState: boolean;
  /** Whether `b_hh` stays apart from `b_ih` (GRU), so the hidden products get their own gate gradients. */
  readonly hiddenApart: boolean;
  /** The cell's own buffers for `T` steps of `B` sequences of `H` units, from `allocate`. */
  buffers(allocate: (length: number) => FloatArray, T: number, B: number, H: number): E;
  forward(d: Direction, own: E): void;
  backward(d: Direction, own: E): void;
}

/**
 * Workspace and wiring of one (layer, direction) of a recurrent stack. Buffers are
 * time-major and allocated once per sequence shape, so no time step allocates.
 *
 * States live in `hs` with two extra slots: slot t+1 holds the state after time t, slot 0
 * holds h0 for the forward direction and slot T+1 holds h0 for the backward direction. The
 * state before time t is then slot t (forward) or slot t+2 (backward), and the previous
 * states of all steps form one contiguous block for the weight-gradient product.
 */
export class Direction {
  T = 0;
  B = 0;
  /** Flat parameter values and gradients of the owning model. */
  p: FloatArray;
  g: FloatArray;
  /** Input `[T, B, In]` (time-major, contiguous) and its gradient (accumulated into). */
  x: FloatArray;
  dx: FloatArray;
  /** Layer output `[T, B, D*H]` written at column `outCol`, and its gradient. */
  out: FloatArray;
  dOut: FloatArray;
  outCol = 0;
  ldo = 0;
  /** When set, backward records ‖dL/dh_t‖ (over the batch) for every step t here. */
  stepGradNorms: Float64Array | null = null;
  /** Per-sequence lengths, or null when every sequence has T steps. */
  lengths: Int32Array | null = null;
  /** Initial states `[B, H]` in, their gradients out. */
  h0: FloatArray;
  c0: FloatArray;
  dh0: FloatArray;
  dc0: FloatArray;
  /** Gradients flowing into the final states `[B, H]` (zeros when none). */
  dhn: FloatArray;
  dcn: FloatArray;
  /** Activated gate values of every step `[T, B, G*H]`, in the cell's gate order. */
  gates: FloatArray;
  /** Hidden states `[(T+2), B, H]` (slots as described above) and, for LSTM, cell states likewise. */
  hs: FloatArray;
  cs: FloatArray;
  /**
   * Gradients of the gate pre-activations `[T, B, G*H]`: with respect to the input product
   * (`dGates`, written over `gates` step by step) and the hidden product (`dGatesHidden`, the
   * same array unless the cell keeps `b_hh` apart).
   */
  dGates: FloatArray;
  dGatesHidden: FloatArray;
  /** Running gradients `[B, H]`: dL/dh after the current step, dL/dh (and dL/dc) flowing to the step before. */
  dh: FloatArray;
  dhNext: FloatArray;
  dcNext: FloatArray;
  /** Whether the running backward pass wants `dx`; read by cells that accumulate in chunks. */
  inputGrad = true;
  /** Set by a cell whose backward loop already accumulated the weight gradients in chunks. */
  gradsAccumulated = false;
  /** The cell's own buffers (see {@link CellKernel.buffers}). */
  private own: unknown = null;

  constructor(
    readonly cell: CellKernel<unknown>,
    readonly dtype: DType,
    readonly In: number,
    readonly H: number,
    readonly reverse: boolean,
    readonly w: DirectionWeights,
    readonly relu: boolean,
  ) {
    const empty = allocateBuffer(dtype, 0);
    this.p = this.g = this.x = this.dx = this.out = this.dOut = empty;
    this.h0 = this.c0 = this.dh0 = this.dc0 = this.dhn = this.dcn = empty;
    this.gates = this.hs = this.cs = this.dGates = this.dGatesHidden = empty;
    this.dh = this.dhNext = this.dcNext = empty;
  }

  get G(): number {
    return this.cell.gates;
  }

  /** (Re)allocates the caches for `T` steps of `B` sequences; a no-op when the shape is unchanged. */
  resize(T: number, B: number): void {
    if (T === this.T && B === this.B) return;
    this.T = T;
    this.B = B;
    const { dtype, H } = this;
    const GH = this.G * H;
    const twoStates = this.cell.cellState;
    this.gates = allocateBuffer(dtype, T * B * GH);
    this.hs = allocateBuffer(dtype, (T + 2) * B * H);
    this.cs = twoStates ? allocateBuffer(dtype, (T + 2) * B * H) : this.cs;
    // Backward overwrites each step's gate values with their gradients: the values are read
    // just before, and nothing needs them afterwards.
    this.dGates = this.gates;
    this.dGatesHidden = this.cell.hiddenApart ? allocateBuffer(dtype, T * B * GH) : this.dGates;
    this.dh = allocateBuffer(dtype, B * H);
    this.dhNext = allocateBuffer(dtype, B * H);
    this.dcNext = twoStates ? allocateBuffer(dtype, B * H) : this.dcNext;
    this.own = this.cell.buffers((n) => allocateBuffer(dtype, n), T, B, H);
  }

  /** The time index of the `s`-th step in this direction's order (the backward direction runs T-1 .. 0). */
  timeAt(s: number): number {
    return this.reverse ? this.T - 1 - s : s;
  }

  /** Offset in `hs`/`cs` of the state before time `t` (slot t forward, t+2 backward). */
  stateBefore(t: number): number {
    return (this.reverse ? t + 2 : t) * this.B * this.H;
  }

  /** Offset in `hs`/`cs` of the state after time `t` (slot t+1). */
  stateAfter(t: number): number {
    return (t + 1) * this.B * this.H;
  }

  /** Slot of `hs`/`cs` holding h0: 0 forward, T+1 backward. */
  get initialSlot(): number {
    return this.reverse ? this.T + 1 : 0;
  }

  /** Slot of `hs`/`cs` holding the final state: T forward, 1 backward. */
  get finalSlot(): number {
    return this.reverse ? 1 : this.T;
  }

  forward(): void {
    const BH = this.B * this.H;
    this.hs.set(this.h0, this.initialSlot * BH);
    if (this.cell.cellState) this.cs.set(this.c0, this.initialSlot * BH);
    this.cell.forward(this, this.own);
    writeOutputs(this);
  }

  /** Backpropagates through every step; `inputGrad` false skips the gradient of the input `dx`. */
  backward(inputGrad: boolean): void {
    this.dhNext.set(this.dhn);
    if (this.cell.cellState) this.dcNext.set(this.dcn);
    this.inputGrad = inputGrad;
    this.gradsAccumulated = false;
    this.cell.backward(this, this.own);
    this.dh0.set(this.dhNext);
    if (this.cell.cellState) this.dc0.set(this.dcNext);
    if (!this.gradsAccumulated) accumulateWeightGrads(this, 0, this.T);
  }
}

/**
 * `gates = X·W_ihᵀ + b_ih` for every step in one product, plus `b_hh` when `foldHiddenBias`
 * (RNN and LSTM add both biases to the same pre-activation; GRU keeps `b_hh` apart).
 */
export function projectInputs(d: Direction, foldHiddenBias: boolean): void {
  const { T, B, In, p, w, gates } = d;
  const GH = d.G * d.H;
  const rows = T * B;
  gemm(false, true, rows, GH, In, d.x, 0, In, p, w.wih, In, gates, 0, GH, false);
  if (w.bih < 0) return;
  for (let r = 0; r < rows; r++) {
    const o = r * GH;
    for (let j = 0; j < GH; j++) gates[o + j] += p[w.bih + j];
    if (foldHiddenBias) for (let j = 0; j < GH; j++) gates[o + j] += p[w.bhh + j];
  }
}

/** Copies the states into the layer output; padded steps of shorter sequences output zeros. */
function writeOutputs(d: Direction): void {
  const { T, B, H, hs, out, outCol, ldo, lengths } = d;
  if (lengths === null) {
    copyRows(T * B, H, out, outCol, ldo, hs, B * H, H); // slots 1..T are the states after each step
    return;
  }
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const o = (t * B + b) * ldo + outCol;
      if (!isRealStep(lengths, b, t)) {
        out.fill(0, o, o + H);
      } else {
        const s = ((t + 1) * B + b) * H;
        for (let j = 0; j < H; j++) out[o + j] = hs[s + j];
      }
    }
  }
}

/** `dh = dhNext + dOut[t]`: the gradient reaching the state after time t. Padded steps receive none from the output. */
export function gatherStepGrad(d: Direction, t: number): void {
  const { B, H, dh, dhNext, dOut, outCol, ldo, lengths } = d;
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
export function carryInactive(
  d: Direction,
  t: number,
  states: FloatArray,
  prev: number,
  cur: number,
): void {
  const { B, H, lengths } = d;
  if (lengths === null) return;
  for (let b = 0; b < B; b++) {
    if (isRealStep(lengths, b, t)) continue;
    const r = b * H;
    for (let j = 0; j < H; j++) states[cur + r + j] = states[prev + r + j];
  }
}

/** In backward, an identity step passes its gradient through and contributes no gate gradients. */
export function passInactive(d: Direction, t: number, next: FloatArray, current: FloatArray): void {
  const { B, H, lengths } = d;
  if (lengths === null) return;
  for (let b = 0; b < B; b++) {
    if (isRealStep(lengths, b, t)) continue;
    const r = b * H;
    for (let j = 0; j < H; j++) next[r + j] = current[r + j];
  }
}

/** Zeroes the gate-gradient rows of steps that are padding, before they reach any product. */
export function zeroInactiveGates(d: Direction, t: number): void {
  const { B, H, lengths, dGates, dGatesHidden } = d;
  if (lengths === null) return;
  const GH = d.G * H;
  for (let b = 0; b < B; b++) {
    if (isRealStep(lengths, b, t)) continue;
    const o = (t * B + b) * GH;
    dGates.fill(0, o, o + GH);
    if (dGatesHidden !== dGates) dGatesHidden.fill(0, o, o + GH);
  }
}

/**
 * Sums the per-step gradients of steps `t0 .. t0+steps-1` into the weight gradients, one
 * product over their rows: `dW_ih += dGᵀ·X`, `dW_hh += dGᵀ·H_prev`, bias gradients are
 * column sums of dG, and `dX += dG·W_ih` (when `d.inputGrad`). Called once after the time
 * loop, or every few steps by a backward loop while those rows are still in cache.
 */
export function accumulateWeightGrads(d: Direction, t0: number, steps: number): void {
  const { B, In, H, p, g, w, dGates, dGatesHidden, hs } = d;
  const GH = d.G * H;
  const rows = steps * B;
  const gRow = t0 * B * GH;
  const xRow = t0 * B * In;
  const prevStart = (d.reverse ? 2 * B * H : 0) + t0 * B * H;
  gemm(true, false, GH, In, rows, dGates, gRow, GH, d.x, xRow, In, g, w.wih, In, true);
  gemm(true, false, GH, H, rows, dGatesHidden, gRow, GH, hs, prevStart, H, g, w.whh, H, true);
  if (w.bih >= 0) {
    addColumnSums(g, w.bih, dGates, gRow, rows, GH, GH);
    addColumnSums(g, w.bhh, dGatesHidden, gRow, rows, GH, GH);
  }
  if (d.inputGrad)
    gemm(false, false, rows, In, GH, dGates, gRow, GH, p, w.wih, In, d.dx, xRow, In, true);
}
