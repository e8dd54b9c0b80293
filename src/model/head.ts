import type { DType, FloatArray } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import { allocateBuffer } from '../tensor/buffers.js';
import { swapAxes01 } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
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
 * for whole batches, the stream for single steps. It owns two workspace buffers, resized when
 * the batch shape changes.
 */
export class Head {
  private input: FloatArray;
  private output: FloatArray;

  /**
   * @param linear the Linear layer's offsets in the parameter array, or null for no layer.
   * @param inFeatures `D*H`; `outFeatures` is the Linear layer's size, or `D*H` without one.
   */
  constructor(
    readonly linear: LinearWeights | null,
    readonly mode: HeadMode,
    readonly dtype: DType,
    readonly inFeatures: number,
    readonly outFeatures: number,
  ) {
    this.input = this.output = allocateBuffer(dtype, 0);
  }

  /** Shape of the output for a batch of `B` sequences of `T` steps. */
  outputShape(B: number, T: number): number[] {
    return this.mode === 'last' ? [B, this.outFeatures] : [B, T, this.outFeatures];
  }

  /**
   * The output for the stack's `states` (`[T, B, D*H]`): `[B, T, O]` with zeros at padded
   * steps, or `[B, O]` at each sequence's last step. Allocates the returned tensor; keeps its
   * input for {@link backward}.
   */
  forward(states: FloatArray, values: FloatArray, batch: HeadBatch): Tensor {
    const { B, T, lengths } = batch;
    const [DH, F] = [this.inFeatures, this.outFeatures];
    const last = this.mode === 'last';
    const rows = last ? B : T * B;
    this.resize(rows);
    if (last) {
      for (let b = 0; b < B; b++) {
        const r = lastStep(lengths, b, T) * B + b;
        this.input.set(states.subarray(r * DH, (r + 1) * DH), b * DH);
      }
    } else {
      this.input.set(states);
    }
    this.apply(values, this.input, rows, this.output);
    const result = allocate(this.dtype, rows * F);
    if (last) result.set(this.output);
    else {
      zeroPadding(this.output, batch, F);
      swapAxes01(result, this.output, T, B, F);
    }
    return new Tensor(this.outputShape(B, T), result);
  }

  /**
   * Sends `gradOutput` (the shape {@link forward} returned) through the head into `dStates`
   * (`[T, B, D*H]`, overwritten), adding the Linear layer's gradients into `grads`.
   */
  backward(
    gradOutput: FloatArray,
    values: FloatArray,
    grads: FloatArray,
    batch: HeadBatch,
    dStates: FloatArray,
  ): void {
    const { B, T, lengths } = batch;
    const [DH, F] = [this.inFeatures, this.outFeatures];
    const last = this.mode === 'last';
    const rows = last ? B : T * B;
    const dy = this.output; // the forward's output is no longer needed: reuse its buffer
    if (last) dy.set(gradOutput);
    else {
      swapAxes01(dy, gradOutput, B, T, F);
      zeroPadding(dy, batch, F);
    }
    const dIn = last ? allocate(this.dtype, rows * DH) : dStates;
    if (this.linear !== null) linearBackward(this.linear, values, grads, this.input, dy, rows, dIn);
    else dIn.set(dy);
    if (!last) return;
    dStates.fill(0);
    for (let b = 0; b < B; b++) {
      dStates.set(dIn.subarray(b * DH, (b + 1) * DH), (lastStep(lengths, b, T) * B + b) * DH);
    }
  }

  /** `out[rows, O]` from `states[rows, D*H]` for one step (the stream); keeps nothing. */
  step(states: FloatArray, values: FloatArray, rows: number, out: FloatArray): void {
    this.apply(values, states, rows, out);
  }

  private apply(values: FloatArray, x: FloatArray, rows: number, y: FloatArray): void {
    if (this.linear !== null) linearForward(this.linear, values, x, rows, y);
    else y.set(x.subarray(0, rows * this.outFeatures));
  }

  private resize(rows: number): void {
    if (this.input.length !== rows * this.inFeatures)
      this.input = allocateBuffer(this.dtype, rows * this.inFeatures);
    if (this.output.length !== rows * this.outFeatures)
      this.output = allocateBuffer(this.dtype, rows * this.outFeatures);
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
