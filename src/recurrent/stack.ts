import type { DType } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Buf } from '../kernels/memory.js';
import type { ParameterSet } from '../nn/parameters.js';
import { applyMask, fillDropoutMask } from '../nn/dropout.js';
import { Direction, type DirectionWeights } from './direction.js';
import { cellSpec, type CellType } from './cells.js';
import type { CellSpec } from './direction.js';

export type { CellType } from './cells.js';

/** Shape of a recurrent stack, with PyTorch's meaning for each field. */
export interface StackConfig {
  readonly cell: CellType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  /** A unidirectional stack that runs from the last step to the first. */
  readonly reverse: boolean;
  readonly bias: boolean;
  readonly nonlinearity: 'tanh' | 'relu';
  /** False: the cell's variant with the reset gate before the hidden product (GRU). */
  readonly linearBeforeReset: boolean;
}

/** The facts of a stack's shape, computed once from its config and its cell. */
export interface StackShape {
  readonly cell: CellSpec;
  /** Directions per layer, D. */
  readonly directions: number;
  /** State slots `L*D`: the first dimension of h0, c0, hn and cn. */
  readonly slots: number;
  /** Rows of each gate matrix, `G*H`. */
  readonly gateRows: number;
  /** Input features of layer `l`. */
  inputSize(l: number): number;
}

/** The shape facts of a stack with config `c`. @throws TypeError for an unregistered cell. */
export function stackShape(c: StackConfig): StackShape {
  const base = cellSpec(c.cell);
  const cell = c.linearBeforeReset ? base : (base.resetBeforeProduct ?? base);
  const D = c.bidirectional ? 2 : 1;
  return {
    cell,
    directions: D,
    slots: c.numLayers * D,
    gateRows: cell.gates * c.hiddenSize,
    inputSize: (l) => (l === 0 ? c.inputSize : D * c.hiddenSize),
  };
}

/**
 * Declares the stack's parameters with PyTorch's names and layouts, in PyTorch's order
 * (per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh), under `prefix`.
 */
export function declareStackParams(
  params: ParameterSet,
  c: StackConfig,
  prefix: string,
): DirectionWeights[] {
  const shape = stackShape(c);
  const GH = shape.gateRows;
  const weights: DirectionWeights[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    for (let d = 0; d < shape.directions; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const wih = params.add(`${prefix}weight_ih${sfx}`, [GH, shape.inputSize(l)]).offset;
      const whh = params.add(`${prefix}weight_hh${sfx}`, [GH, c.hiddenSize]).offset;
      const bih = c.bias ? params.add(`${prefix}bias_ih${sfx}`, [GH]).offset : -1;
      const bhh = c.bias ? params.add(`${prefix}bias_hh${sfx}`, [GH]).offset : -1;
      weights.push({ wih, whh, bih, bhh });
    }
  }
  return weights;
}

/**
 * A multi-layer, optionally bidirectional recurrent stack over time-major buffers in the
 * model's memory. The caller fills `x` (`[T, B, I]`), `h0`/`c0` (`[L*D, B, H]`), calls
 * {@link forward}, reads `output` (`[T, B, D*H]`), `hn`, `cn`; then fills `dOutput`, `dhn`,
 * `dcn`, calls {@link backward} (which accumulates into the parameter gradients) and reads
 * `dx`, `dh0`, `dc0`.
 */
export class RecurrentStack {
  readonly D: number;
  readonly shape: StackShape;
  readonly directions: Direction[];
  T = 0;
  B = 0;
  x: Buf;
  dx: Buf;
  h0: Buf;
  c0: Buf;
  hn: Buf;
  cn: Buf;
  dh0: Buf;
  dc0: Buf;
  dhn: Buf;
  dcn: Buf;
  /**
   * Dropout on the outputs of every layer but the last (PyTorch's meaning), or null: `forward`
   * draws fresh masks from `rng` and `backward` applies the same masks to the gradients.
   */
  dropout: { p: number; rng: Rng } | null = null;
  private masks: Buf[] = [];
  private dropped = false;
  private outs: Buf[] = [];
  private douts: Buf[] = [];
  private owned: Buf[] = [];

  constructor(
    readonly config: StackConfig,
    readonly kernels: Kernels,
    readonly dtype: DType,
    params: ParameterSet,
    weights: readonly DirectionWeights[],
  ) {
    this.shape = stackShape(config);
    this.D = this.shape.directions;
    const { hiddenSize: H, numLayers: L } = config;
    const relu = config.nonlinearity === 'relu';
    this.directions = [];
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < this.D; d++) {
        const w = weights[l * this.D + d];
        const In = this.shape.inputSize(l);
        const reverse = d === 1 || config.reverse;
        const dir = new Direction(this.shape.cell, kernels, dtype, In, H, reverse, w, relu);
        dir.p = params.valueBuf;
        dir.g = params.gradBuf;
        this.directions.push(dir);
      }
    }
    const empty = kernels.memory.alloc(dtype, 0);
    this.x = this.dx = this.h0 = this.c0 = this.hn = this.cn = empty;
    this.dh0 = this.dc0 = this.dhn = this.dcn = empty;
  }

  /** Last layer's output at every step, `[T, B, D*H]`. */
  get output(): Buf {
    return this.outs[this.outs.length - 1];
  }

  /** Gradient with respect to {@link output}; filled by the caller before backward. */
  get dOutput(): Buf {
    return this.douts[this.douts.length - 1];
  }

  /** Sizes the buffers for `T` steps of `B` sequences and sets the per-sequence lengths (or null). */
  prepare(T: number, B: number, lengths: Int32Array | null): void {
    if (T !== this.T || B !== this.B) this.allocate(T, B);
    for (const dir of this.directions) dir.lengths = lengths;
  }

  /** Returns every buffer to the model's memory; the stack may be prepared again later. */
  release(): void {
    for (const b of this.owned) this.kernels.memory.release(b);
    for (const dir of this.directions) dir.release();
    this.owned = [];
    this.T = this.B = 0;
  }

  private allocate(T: number, B: number): void {
    this.release();
    this.T = T;
    this.B = B;
    const { D } = this;
    const { hiddenSize: H, numLayers: L, inputSize: I } = this.config;
    const states = this.shape.slots * B * H;
    const a = (n: number): Buf => {
      const b = this.kernels.memory.alloc(this.dtype, n);
      this.owned.push(b);
      return b;
    };
    this.x = a(T * B * I);
    this.dx = a(T * B * I);
    this.h0 = a(states);
    this.c0 = a(states);
    this.hn = a(states);
    this.cn = a(states);
    this.dh0 = a(states);
    this.dc0 = a(states);
    this.dhn = a(states);
    this.dcn = a(states);
    this.outs = [];
    this.douts = [];
    this.masks = [];
    for (let l = 0; l < L; l++) {
      this.outs.push(a(T * B * D * H));
      this.douts.push(a(T * B * D * H));
      this.masks.push(a(0)); // sized when dropout first runs at this shape
    }
    const BH = B * H;
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) {
        const k = l * D + d;
        const dir = this.directions[k];
        dir.resize(T, B);
        dir.x = l === 0 ? this.x : this.outs[l - 1];
        dir.dx = l === 0 ? this.dx : this.douts[l - 1];
        dir.out = this.outs[l];
        dir.dOut = this.douts[l];
        dir.outCol = d * H;
        dir.ldo = D * H;
        dir.h0 = this.h0.sub(k * BH, BH);
        dir.c0 = this.c0.sub(k * BH, BH);
        dir.dh0 = this.dh0.sub(k * BH, BH);
        dir.dc0 = this.dc0.sub(k * BH, BH);
        dir.dhn = this.dhn.sub(k * BH, BH);
        dir.dcn = this.dcn.sub(k * BH, BH);
      }
    }
  }

  /** Runs every layer and direction over the whole sequence, caching what backward needs. */
  forward(): void {
    const BH = this.B * this.config.hiddenSize;
    const { D } = this;
    this.dropped = this.dropout !== null && this.config.numLayers > 1;
    for (let k = 0; k < this.directions.length; k++) {
      const dir = this.directions[k];
      dir.forward();
      const slot = dir.finalSlot * BH;
      this.hn.set(dir.hs.a.subarray(slot, slot + BH), k * BH);
      if (dir.cell.cellState) this.cn.set(dir.cs.a.subarray(slot, slot + BH), k * BH);
      const l = (k + 1) / D - 1; // the layer just completed, when k ends one
      if (this.dropped && Number.isInteger(l) && l < this.config.numLayers - 1) this.drop(l);
    }
  }

  /** Applies a fresh dropout mask to layer `l`'s output, the next layer's input. */
  private drop(l: number): void {
    const { p, rng } = this.dropout as { p: number; rng: Rng };
    if (this.masks[l].length !== this.outs[l].length) {
      this.masks[l] = this.kernels.memory.alloc(this.dtype, this.outs[l].length);
      this.owned.push(this.masks[l]);
    }
    fillDropoutMask(this.masks[l].a, rng, p);
    applyMask(this.outs[l].a, this.masks[l].a);
  }

  /**
   * Backpropagates through time from `dOutput`, `dhn`, `dcn`; accumulates parameter gradients.
   * `inputGrad` false leaves `dx` unset (a training step does not need it).
   */
  backward(inputGrad = true): void {
    const { D } = this;
    for (let l = this.config.numLayers - 1; l >= 0; l--) {
      if (this.dropped && l < this.config.numLayers - 1)
        applyMask(this.douts[l].a, this.masks[l].a);
      (l === 0 ? this.dx : this.douts[l - 1]).a.fill(0);
      for (let d = 0; d < D; d++) this.directions[l * D + d].backward(inputGrad || l > 0);
    }
  }
}
