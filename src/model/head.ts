import type { DType, FloatArray } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import { swapAxes01 } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Buf } from '../kernels/memory.js';
import { linearBackward, linearForward, type LinearWeights } from '../nn/linear.js';
import { isRealStep, lastStep } from '../nn/padding.js';

/** Where the head reads the stack: at every step or at each sequence's last real step. */
export type HeadMode = 'sequence' | 'last';

/** One batch's shape as the head sees it. */
export interface HeadBatch {
  readonly B: number;
  readonly T: number;
  readonly lengths: Int32Array | null;
}

/**
 * The model's output unit: reads the top layer's states (`[T, B, D*H]`, time-major) at every
 * step or at each sequence's last step and applies the optional Linear layer. The model uses it
 * for whole batches, the stream for single steps. It owns its workspace buffers, resized when
 * the batch shape changes.
 */
export class Head {
  /** The last forward's input: the stack's states (every-step mode) or {@link lastRows}. */
  private input: Buf;
  private output: Buf;
  /** The states of each sequence's last step, `[B, D*H]` (last-step mode only). */
  private lastRows: Buf;
  /** The gradient of {@link lastRows} (last-step mode only). */
  private dLast: Buf;

  /**
   * @param linear the Linear layer's offsets in the parameter array, or null for no layer.
   * @param inFeatures `D*H`; `outFeatures` is the Linear layer's size, or `D*H` without one.
   */
  constructor(
    private readonly kernels: Kernels,
    readonly linear: LinearWeights | null,
    readonly mode: HeadMode,
    readonly dtype: DType,
    readonly inFeatures: number,
    readonly outFeatures: number,
  ) {
    this.input = this.output = this.lastRows = this.dLast = kernels.memory.alloc(dtype, 0);
  }

  /** Shape of the output for a batch of `B` sequences of `T` steps. */
  outputShape(B: number, T: number): number[] {
    return this.mode === 'last' ? [B, this.outFeatures] : [B, T, this.outFeatures];
  }

  /**
   * The output for the stack's `states` (`[T, B, D*H]`): `[B, T, O]` with zeros at padded
   * steps, or `[B, O]` at each sequence's last step. Allocates the returned tensor; keeps its
   * input for {@link backward}: the last-step rows, or `states` itself, which the stack leaves
   * as they are until its own backward, after this one.
   */
  forward(states: Buf, values: Buf, batch: HeadBatch): Tensor {
    const { B, T, lengths } = batch;
    const [DH, F] = [this.inFeatures, this.outFeatures];
    const last = this.mode === 'last';
    const rows = last ? B : T * B;
    if (last) {
      for (let b = 0; b < B; b++) {
        const r = lastStep(lengths, b, T) * B + b;
        this.lastRows.set(states.a.subarray(r * DH, (r + 1) * DH), b * DH);
      }
    }
    this.input = last ? this.lastRows : states;
    this.apply(values, this.input, rows, this.output);
    const result = allocate(this.dtype, rows * F);
    const out = this.output.a;
    if (last) result.set(out);
    else {
      zeroPadding(out, batch, F);
      swapAxes01(result, out, T, B, F);
    }
    return new Tensor(this.outputShape(B, T), result);
  }

  /**
   * Sends `gradOutput` (the shape {@link forward} returned) through the head into `dStates`
   * (`[T, B, D*H]`, overwritten), adding the Linear layer's gradients into `grads`.
   */
  backward(gradOutput: FloatArray, values: Buf, grads: Buf, batch: HeadBatch, dStates: Buf): void {
    const { B, T, lengths } = batch;
    const [DH, F] = [this.inFeatures, this.outFeatures];
    const last = this.mode === 'last';
    const rows = last ? B : T * B;
    const dy = this.output; // the forward's output is no longer needed: reuse its buffer
    if (last) dy.set(gradOutput);
    else {
      swapAxes01(dy.a, gradOutput, B, T, F);
      zeroPadding(dy.a, batch, F);
    }
    const dIn = last ? this.dLast : dStates;
    if (this.linear !== null)
      linearBackward(this.kernels, this.linear, values, grads, this.input, dy, rows, dIn);
    else dIn.set(dy.a);
    if (!last) return;
    const [ds, di] = [dStates.a, dIn.a];
    ds.fill(0);
    for (let b = 0; b < B; b++) {
      ds.set(di.subarray(b * DH, (b + 1) * DH), (lastStep(lengths, b, T) * B + b) * DH);
    }
  }

  /** `out[rows, O]` from `states[rows, D*H]` for one step (the stream); keeps nothing. */
  step(states: Buf, values: Buf, rows: number, out: Buf): void {
    this.apply(values, states, rows, out);
  }

  private apply(values: Buf, x: Buf, rows: number, y: Buf): void {
    if (this.linear !== null) linearForward(this.kernels, this.linear, values, x, rows, y);
    else y.set(x.a.subarray(0, rows * this.outFeatures));
  }

  /** Sizes the workspaces for a batch of `B` sequences of `T` steps (before a forward). */
  prepare(B: number, T: number): void {
    const rows = this.mode === 'last' ? B : T * B;
    const mem = this.kernels.memory;
    if (this.mode === 'last' && this.lastRows.length !== rows * this.inFeatures) {
      mem.release(this.lastRows);
      this.lastRows = mem.alloc(this.dtype, rows * this.inFeatures);
    }
    if (this.output.length !== rows * this.outFeatures) {
      mem.release(this.output);
      this.output = mem.alloc(this.dtype, rows * this.outFeatures);
    }
    if (this.mode === 'last' && this.dLast.length !== rows * this.inFeatures) {
      mem.release(this.dLast);
      this.dLast = mem.alloc(this.dtype, rows * this.inFeatures);
    }
  }
}

/** Zeroes the rows of padded steps in a time-major `[T, B, F]` buffer: they are not part of any sequence. */
function zeroPadding(buf: FloatArray, batch: HeadBatch, F: number): void {
  const { B, T, lengths } = batch;
  if (lengths === null) return;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (!isRealStep(lengths, b, t)) buf.fill(0, (t * B + b) * F, (t * B + b + 1) * F);
    }
  }
}
