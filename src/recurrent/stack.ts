import type { DType, FloatArray } from '../tensor/dtype.js';
import { allocateBuffer } from '../tensor/buffers.js';
import { copy } from '../tensor/ops.js';
import type { Rng } from '../tensor/rng.js';
import type { ParameterSet } from '../nn/parameters.js';
import { applyMask, fillDropoutMask } from '../nn/dropout.js';
import { Direction, type CellKernel, type DirectionWeights } from './direction.js';
import { rnnCell } from './rnn.js';
import { lstmCell } from './lstm.js';
import { gruCell } from './gru.js';
import { onWasm } from './wasm-cells.js';

/**
 * The recurrent cell types.
 * @category Model
 */
export type CellType = 'rnn' | 'lstm' | 'gru';

/** Shape of a recurrent stack, with PyTorch's meaning for each field. */
export interface StackConfig {
  readonly cell: CellType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly bias: boolean;
  readonly nonlinearity: 'tanh' | 'relu';
}

// Each cell runs its time loops on the wasm kernels when the model's buffers live in their memory.
const CELLS: Record<CellType, CellKernel<unknown>> = {
  rnn: onWasm(rnnCell),
  lstm: onWasm(lstmCell),
  gru: onWasm(gruCell),
};

/** Gate blocks per hidden unit of a cell type. */
export function gateCount(cell: CellType): number {
  return CELLS[cell].gates;
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
  const D = c.bidirectional ? 2 : 1;
  const GH = gateCount(c.cell) * c.hiddenSize;
  const weights: DirectionWeights[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const inSize = l === 0 ? c.inputSize : D * c.hiddenSize;
    for (let d = 0; d < D; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const wih = params.add(`${prefix}weight_ih${sfx}`, [GH, inSize]).offset;
      const whh = params.add(`${prefix}weight_hh${sfx}`, [GH, c.hiddenSize]).offset;
      const bih = c.bias ? params.add(`${prefix}bias_ih${sfx}`, [GH]).offset : -1;
      const bhh = c.bias ? params.add(`${prefix}bias_hh${sfx}`, [GH]).offset : -1;
      weights.push({ wih, whh, bih, bhh });
    }
  }
  return weights;
}

/**
 * A multi-layer, optionally bidirectional recurrent stack over time-major buffers.
 * The caller fills `x` (`[T, B, I]`), `h0`/`c0` (`[L*D, B, H]`), calls {@link forward}, reads
 * `output` (`[T, B, D*H]`), `hn`, `cn`; then fills `dOutput`, `dhn`, `dcn`, calls
 * {@link backward} (which accumulates into the parameter gradients) and reads `dx`, `dh0`, `dc0`.
 */
export class RecurrentStack {
  readonly D: number;
  readonly directions: Direction[];
  T = 0;
  B = 0;
  x: FloatArray;
  dx: FloatArray;
  h0: FloatArray;
  c0: FloatArray;
  hn: FloatArray;
  cn: FloatArray;
  dh0: FloatArray;
  dc0: FloatArray;
  dhn: FloatArray;
  dcn: FloatArray;
  /**
   * Dropout on the outputs of every layer but the last (PyTorch's meaning), or null: `forward`
   * draws fresh masks from `rng` and `backward` applies the same masks to the gradients.
   */
  dropout: { p: number; rng: Rng } | null = null;
  private masks: FloatArray[] = [];
  private dropped = false;
  private outs: FloatArray[] = [];
  private douts: FloatArray[] = [];

  constructor(
    readonly config: StackConfig,
    readonly dtype: DType,
    params: ParameterSet,
    weights: readonly DirectionWeights[],
  ) {
    this.D = config.bidirectional ? 2 : 1;
    const { hiddenSize: H, numLayers: L } = config;
    const cell = CELLS[config.cell];
    const relu = config.nonlinearity === 'relu';
    this.directions = [];
    for (let l = 0; l < L; l++) {
      const inSize = l === 0 ? config.inputSize : this.D * H;
      for (let d = 0; d < this.D; d++) {
        const dir = new Direction(cell, dtype, inSize, H, d === 1, weights[l * this.D + d], relu);
        dir.p = params.values;
        dir.g = params.grads;
        this.directions.push(dir);
      }
    }
    const empty = allocateBuffer(dtype, 0);
    this.x = this.dx = this.h0 = this.c0 = this.hn = this.cn = empty;
    this.dh0 = this.dc0 = this.dhn = this.dcn = empty;
  }

  /** Last layer's output at every step, `[T, B, D*H]`. */
  get output(): FloatArray {
    return this.outs[this.outs.length - 1];
  }

  /** Gradient with respect to {@link output}; filled by the caller before backward. */
  get dOutput(): FloatArray {
    return this.douts[this.douts.length - 1];
  }

  /** Sizes the buffers for `T` steps of `B` sequences and sets the per-sequence lengths (or null). */
  prepare(T: number, B: number, lengths: Int32Array | null): void {
    if (T !== this.T || B !== this.B) this.allocate(T, B);
    for (const dir of this.directions) dir.lengths = lengths;
  }

  private allocate(T: number, B: number): void {
    this.T = T;
    this.B = B;
    const { dtype, D } = this;
    const { hiddenSize: H, numLayers: L, inputSize: I } = this.config;
    const states = L * D * B * H;
    const a = (n: number): FloatArray => allocateBuffer(dtype, n);
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
        dir.h0 = this.h0.subarray(k * BH, (k + 1) * BH);
        dir.c0 = this.c0.subarray(k * BH, (k + 1) * BH);
        dir.dh0 = this.dh0.subarray(k * BH, (k + 1) * BH);
        dir.dc0 = this.dc0.subarray(k * BH, (k + 1) * BH);
        dir.dhn = this.dhn.subarray(k * BH, (k + 1) * BH);
        dir.dcn = this.dcn.subarray(k * BH, (k + 1) * BH);
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
      copy(this.hn, k * BH, dir.hs, slot, BH);
      if (dir.cell.cellState) copy(this.cn, k * BH, dir.cs, slot, BH);
      const l = (k + 1) / D - 1; // the layer just completed, when k ends one
      if (this.dropped && Number.isInteger(l) && l < this.config.numLayers - 1) this.drop(l);
    }
  }

  /** Applies a fresh dropout mask to layer `l`'s output, the next layer's input. */
  private drop(l: number): void {
    const { p, rng } = this.dropout as { p: number; rng: Rng };
    if (this.masks[l].length !== this.outs[l].length)
      this.masks[l] = allocateBuffer(this.dtype, this.outs[l].length);
    fillDropoutMask(this.masks[l], rng, p);
    applyMask(this.outs[l], this.masks[l]);
  }

  /**
   * Backpropagates through time from `dOutput`, `dhn`, `dcn`; accumulates parameter gradients.
   * `inputGrad` false leaves `dx` unset (a training step does not need it).
   */
  backward(inputGrad = true): void {
    const { D } = this;
    for (let l = this.config.numLayers - 1; l >= 0; l--) {
      if (this.dropped && l < this.config.numLayers - 1) applyMask(this.douts[l], this.masks[l]);
      (l === 0 ? this.dx : this.douts[l - 1]).fill(0);
      for (let d = 0; d < D; d++) this.directions[l * D + d].backward(inputGrad || l > 0);
    }
  }
}
