import type { DType } from '../tensor/dtype.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Buf } from '../kernels/memory.js';
import { isRealStep } from '../nn/padding.js';
import type { WasmMemory } from '../kernels/wasm-memory.js';

/** Offsets of one direction's weights in the flat parameter array (-1: no bias). */
export interface DirectionWeights {
  readonly wih: number;
  readonly whh: number;
  readonly bih: number;
  readonly bhh: number;
}

/**
 * Everything about one recurrent cell type, in one registry entry: its shape facts, its
 * TypeScript time loops (the reference, run on either backend through the model's kernels)
 * and, optionally, time loops on the WebAssembly kernels. `E` is the cell's own buffers.
 *
 * A cell computes, per step, gate pre-activations `X·W_ihᵀ + b_ih` (all steps at once) and
 * `h_{t-1}·W_hhᵀ (+ b_hh)`, then its gates and new state. Backward writes the gradients of
 * both pre-activations into `dGates` / `dGatesHidden`; {@link Direction} then adds every
 * weight gradient as one product over the steps.
 */
export interface CellSpec<E = unknown> {
  /** The name models give as `cell`. */
  readonly name: string;
  /** Gate blocks per hidden unit (rows of `W_ih` are `gates·H`). */
  readonly gates: number;
  /** The gate blocks in PyTorch's row order (e.g. `['i', 'f', 'g', 'o']`). */
  readonly gateOrder: readonly string[];
  /** Whether the cell carries a second state `c` (LSTM). */
  readonly cellState: boolean;
  /** Whether `b_hh` stays apart from `b_ih`, so the hidden products get their own gate gradients. */
  readonly hiddenApart: boolean;
  /** Whether the cell takes the `nonlinearity` option (`'tanh'` or `'relu'`). */
  readonly nonlinearity?: boolean;
  /** The gate block of the forget gate, where the cell takes the `unitForgetBias` option. */
  readonly forgetGate?: number;
  /**
   * The variant this cell becomes with the model option `linearBeforeReset: false`, where the
   * cell has one (GRU: the reset gate applied before the hidden product).
   */
  readonly resetBeforeProduct?: CellSpec;
  /**
   * Adds `dW_hh` for steps `t0 .. t0+steps-1`, for a cell whose hidden product does not read
   * `h_{t-1}` alone; without it `dW_hh += dGatesHiddenᵀ·H_prev`.
   */
  addHiddenWeightGrads?(d: Direction, own: E, t0: number, steps: number): void;
  /** The cell's own buffers for `T` steps of `B` sequences of `H` units, from `alloc`. */
  buffers(alloc: (length: number) => Buf, T: number, B: number, H: number): E;
  /** The forward time loop over `d`'s buffers (TypeScript, through `d.kernels`). */
  forward(d: Direction, own: E): void;
  /** The backward time loop: gate gradients of every step, and dL/dh (dL/dc) to the start. */
  backward(d: Direction, own: E): void;
  /** The same loops on the WebAssembly kernels, used when the model runs on them. */
  readonly wasm?: {
    forward(d: Direction, own: E, memory: WasmMemory): void;
    backward(d: Direction, own: E, memory: WasmMemory): void;
  };
}

/**
 * Workspace and wiring of one (layer, direction) of a recurrent stack. Buffers are
 * time-major, in the model's memory, and allocated once per sequence shape, so no time step
 * allocates.
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
  p: Buf;
  g: Buf;
  /** Input `[T, B, In]` (time-major, contiguous) and its gradient (accumulated into). */
  x: Buf;
  dx: Buf;
  /** Layer output `[T, B, D*H]` written at column `outCol`, and its gradient. */
  out: Buf;
  dOut: Buf;
  outCol = 0;
  ldo = 0;
  /** When set, backward records ‖dL/dh_t‖ (over the batch) for every step t here. */
  stepGradNorms: Float64Array | null = null;
  /** Per-sequence lengths, or null when every sequence has T steps. */
  lengths: Int32Array | null = null;
  /** Initial states `[B, H]` in, their gradients out. */
  h0: Buf;
  c0: Buf;
  dh0: Buf;
  dc0: Buf;
  /** Gradients flowing into the final states `[B, H]` (zeros when none). */
  dhn: Buf;
  dcn: Buf;
  /** Activated gate values of every step `[T, B, G*H]`, in the cell's gate order. */
  gates: Buf;
  /** Hidden states `[(T+2), B, H]` (slots as described above) and, with a cell state, cell states likewise. */
  hs: Buf;
  cs: Buf;
  /**
   * Gradients of the gate pre-activations `[T, B, G*H]`: with respect to the input product
   * (`dGates`, written over `gates` step by step) and the hidden product (`dGatesHidden`, the
   * same buffer unless the cell keeps `b_hh` apart).
   */
  dGates: Buf;
  dGatesHidden: Buf;
  /** Running gradients `[B, H]`: dL/dh after the current step, dL/dh (and dL/dc) flowing to the step before. */
  dh: Buf;
  dhNext: Buf;
  dcNext: Buf;
  /** Whether the running backward pass wants `dx`; read by cells that accumulate in chunks. */
  inputGrad = true;
  /** Set by a cell whose backward loop already accumulated the weight gradients in chunks. */
  gradsAccumulated = false;
  /** The cell's own buffers (see {@link CellSpec.buffers}). */
  private own: unknown = null;
  /** Every buffer this direction allocated for the current shape, released on the next resize. */
  private owned: Buf[] = [];

  constructor(
    readonly cell: CellSpec,
    readonly kernels: Kernels,
    readonly dtype: DType,
    readonly In: number,
    readonly H: number,
    readonly reverse: boolean,
    readonly w: DirectionWeights,
    readonly relu: boolean,
  ) {
    const empty = kernels.memory.alloc(dtype, 0);
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
    for (const b of this.owned) this.kernels.memory.release(b);
    this.owned = [];
    this.T = T;
    this.B = B;
    const { H } = this;
    const GH = this.G * H;
    const twoStates = this.cell.cellState;
    const a = (n: number): Buf => this.alloc(n);
    this.gates = a(T * B * GH);
    this.hs = a((T + 2) * B * H);
    this.cs = twoStates ? a((T + 2) * B * H) : a(0);
    // Backward overwrites each step's gate values with their gradients: the values are read
    // just before, and nothing needs them afterwards.
    this.dGates = this.gates;
    this.dGatesHidden = this.cell.hiddenApart ? a(T * B * GH) : this.dGates;
    this.dh = a(B * H);
    this.dhNext = a(B * H);
    this.dcNext = twoStates ? a(B * H) : a(0);
    this.own = this.cell.buffers(a, T, B, H);
  }

  private alloc(n: number): Buf {
    const b = this.kernels.memory.alloc(this.dtype, n);
    this.owned.push(b);
    return b;
  }

  /** Returns every buffer to the model's memory (the direction is not used again). */
  release(): void {
    for (const b of this.owned) this.kernels.memory.release(b);
    this.owned = [];
    this.T = this.B = 0;
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
    this.hs.set(this.h0.a, this.initialSlot * BH);
    if (this.cell.cellState) this.cs.set(this.c0.a, this.initialSlot * BH);
    const wasm = this.kernels.wasm;
    if (wasm !== null && this.cell.wasm) this.cell.wasm.forward(this, this.own, wasm);
    else this.cell.forward(this, this.own);
    writeOutputs(this);
  }

  /** Backpropagates through every step; `inputGrad` false skips the gradient of the input `dx`. */
  backward(inputGrad: boolean): void {
    this.dhNext.set(this.dhn.a);
    if (this.cell.cellState) this.dcNext.set(this.dcn.a);
    this.inputGrad = inputGrad;
    this.gradsAccumulated = false;
    const wasm = this.kernels.wasm;
    if (wasm !== null && this.cell.wasm) this.cell.wasm.backward(this, this.own, wasm);
    else this.cell.backward(this, this.own);
    this.dh0.set(this.dhNext.a);
    if (this.cell.cellState) this.dc0.set(this.dcNext.a);
    if (!this.gradsAccumulated) accumulateWeightGrads(this, 0, this.T);
  }

  /** `dW_hh` of steps `t0 .. t0+steps-1`: the cell's own rule, or `dGatesHiddenᵀ·H_prev`. */
  addHiddenWeightGrads(t0: number, steps: number): void {
    if (this.cell.addHiddenWeightGrads) {
      this.cell.addHiddenWeightGrads(this, this.own, t0, steps);
      return;
    }
    const { B, H, w } = this;
    const GH = this.G * H;
    const prevStart = (this.reverse ? 2 * B * H : 0) + t0 * B * H;
    const [gRow, rows] = [t0 * B * GH, steps * B];
    // prettier-ignore
    this.kernels.gemm(true, false, GH, H, rows, this.dGatesHidden, gRow, GH, this.hs, prevStart, H, this.g, w.whh, H, true);
  }
}

/** Copies the states into the layer output; padded steps of shorter sequences output zeros. */
function writeOutputs(d: Direction): void {
  const { T, B, H, outCol, ldo, lengths } = d;
  if (lengths === null) {
    // slots 1..T are the states after each step
    d.kernels.copyRows(T * B, H, d.out, outCol, ldo, d.hs, B * H, H);
    return;
  }
  const [out, hs] = [d.out.a, d.hs.a];
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

/**
 * Sums the per-step gradients of steps `t0 .. t0+steps-1` into the weight gradients, one
 * product over their rows: `dW_ih += dGᵀ·X`, `dW_hh += dGᵀ·H_prev`, bias gradients are
 * column sums of dG, and `dX += dG·W_ih` (when `d.inputGrad`). Called once after the time
 * loop, or every few steps by a backward loop while those rows are still in cache.
 */
export function accumulateWeightGrads(d: Direction, t0: number, steps: number): void {
  const { B, In, H, w, kernels: k } = d;
  const GH = d.G * H;
  const rows = steps * B;
  const gRow = t0 * B * GH;
  const xRow = t0 * B * In;
  k.gemm(true, false, GH, In, rows, d.dGates, gRow, GH, d.x, xRow, In, d.g, w.wih, In, true);
  d.addHiddenWeightGrads(t0, steps);
  if (w.bih >= 0) {
    k.addColumnSums(d.g, w.bih, d.dGates, gRow, rows, GH, GH);
    k.addColumnSums(d.g, w.bhh, d.dGatesHidden, gRow, rows, GH, GH);
  }
  if (d.inputGrad)
    k.gemm(false, false, rows, In, GH, d.dGates, gRow, GH, d.p, w.wih, In, d.dx, xRow, In, true);
}
