import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { allocate, type FloatArray } from '../tensor/dtype.js';
import { checkKeys, describe } from '../tensor/errors.js';
import { checkLoss, type Loss } from '../loss/loss.js';
import { toStepValues } from '../loss/step-weights.js';
import type { Model } from '../model/model.js';
import { indexOf, toLengths, toTensor, type SequenceInput } from '../nn/validate.js';
import { isRealStep } from '../nn/padding.js';

/**
 * One batch: sequences `[B, T, I]` (token ids `[B, T]` for a model with an embedding), targets,
 * and optional lengths, mask and initial states.
 * @category Training
 */
export interface Batch {
  /** Input sequences `[B, T, I]` (a `Tensor` or nested arrays). */
  input: SequenceInput;
  /** `[B, T, O]` values, or `[B, T]` class indices (`[B, O]` / `[B]` with a last-step head). */
  target: Tensor | NestedArray;
  /** Real steps of each sequence when the batch is padded; padded steps add nothing to loss or gradient. */
  lengths?: readonly number[] | Int32Array;
  /** `[B, T]` of 1 (step counts) and 0 (step ignored), combined with `lengths` when both are given. */
  mask?: Tensor | NestedArray;
  /**
   * Sample weights, `[B]` (one per sequence) or `[B, T]` (one per step; `[B]` only with a
   * last-step head), finite and >= 0: each step's error is multiplied by its weight, and
   * `'mean'` divides by the total weight of the real steps.
   */
  weights?: Tensor | NestedArray;
  /** One context vector per sequence, `[B, C]`, for `initialState: 'encoded'`. */
  context?: Tensor | NestedArray;
  /**
   * Initial hidden state `[L*D, B, H]`; overrides the model's initial-state mode for this batch.
   */
  h0?: Tensor | NestedArray;
  /** Initial cell state `[L*D, B, H]` (LSTM only). */
  c0?: Tensor | NestedArray;
}

const BATCH_KEYS = ['input', 'target', 'lengths', 'mask', 'weights', 'context', 'h0', 'c0'];

/**
 * A batch with every part validated and converted: the one form every training call runs on.
 * @category Training
 */
export interface PreparedBatch {
  input: Tensor;
  target: Tensor;
  mask: FloatArray | null;
  /** One weight per step (`[B·T]`, or `[B]` with a last-step head), or null. */
  weights: FloatArray | null;
  forward: {
    lengths?: Int32Array;
    context?: Tensor | NestedArray;
    h0?: Tensor | NestedArray;
    c0?: Tensor | NestedArray;
  };
}

/** Validates a batch against the model and loss before anything runs. */
export function prepareBatch(model: Model, batch: Batch, loss: Loss): PreparedBatch {
  if (typeof batch !== 'object' || batch === null)
    throw new TypeError(`batch is ${describe(batch)}, expected { input, target }`);
  checkKeys('batch', batch, BATCH_KEYS);
  checkLoss(loss, false);
  const o = model.options;
  // With an embedding the input is token ids [B, T]; the model checks their range. Vectors'
  // values are checked by the forward pass that every training call runs on them.
  const input =
    o.embedding === null
      ? toTensor('input', batch.input, 3, o.dtype, false)
      : toTensor('input', batch.input, 2, 'float64');
  const [B, T] = input.shape;
  const lengths = batch.lengths === undefined ? undefined : toLengths(batch.lengths, B, T);
  const predShape = model.outputShape(B, T);
  const target = toTarget(batch.target, o.dtype);
  loss.checkTarget(target, predShape);
  if (o.head === 'last' && batch.mask !== undefined) {
    throw new TypeError("mask applies to a head at every step, this model's head is 'last'");
  }
  const mask = o.head === 'last' ? null : buildMask(batch.mask, lengths, B, T);
  const weights = toStepValues('weights', batch.weights, predShape.slice(0, -1));
  const forward: PreparedBatch['forward'] = {};
  if (lengths !== undefined) forward.lengths = lengths;
  if (batch.context !== undefined) forward.context = batch.context;
  if (batch.h0 !== undefined) forward.h0 = batch.h0;
  if (batch.c0 !== undefined) forward.c0 = batch.c0;
  return { input, target, mask, weights, forward };
}

/** True when some step of the batch counts: its mask is 1 and its weight > 0 (or none is given). */
export function hasRealStep(b: PreparedBatch): boolean {
  const { mask, weights } = b;
  if (mask === null && weights === null) return true;
  const n = mask?.length ?? (weights as FloatArray).length;
  for (let i = 0; i < n; i++)
    if ((mask === null || mask[i] > 0) && (weights?.[i] ?? 1) > 0) return true;
  return false;
}

/**
 * The recurrent state carried from one chunk to the next: `[L, B, H]` each.
 * @category Training
 */
export interface CarriedState {
  /** Hidden state. */
  h: Tensor;
  /** LSTM cell state, else null. */
  c: Tensor | null;
}

/**
 * A prepared batch walked along time in chunks of `k` steps (one chunk of all steps when `k` is
 * null), each chunk starting from the state {@link carry} was given after the one before: the
 * one chunk loop of `trainStep`, `trainTruncated`, `fit` and `evaluate`.
 */
export class ChunkLoop {
  /** Steps of the whole batch. */
  readonly T: number;
  /** Number of chunks. */
  readonly count: number;
  private readonly mask: Tensor | null;
  private readonly weights: Tensor | null;
  private carried: CarriedState | null;

  constructor(
    private readonly batch: PreparedBatch,
    private readonly k: number | null,
    start: CarriedState | null = null,
  ) {
    const [B, T] = batch.input.shape;
    this.T = T;
    this.count = k === null || k >= T ? 1 : Math.ceil(T / k);
    this.mask = batch.mask === null ? null : new Tensor([B, T], batch.mask);
    this.weights =
      batch.weights === null || batch.weights.length !== B * T
        ? null
        : new Tensor([B, T], batch.weights);
    this.carried = start;
  }

  /** Chunk `i`, starting from the carried state (else from the batch's own initial state). */
  chunk(i: number): PreparedBatch {
    const carried = this.carried;
    if (this.count === 1 && carried === null) return this.batch;
    const k = this.k ?? this.T;
    const [start, end] = [i * k, Math.min(this.T, (i + 1) * k)];
    const b = this.batch;
    const forward: PreparedBatch['forward'] =
      carried === null ? { ...b.forward } : { h0: carried.h };
    if (carried?.c) forward.c0 = carried.c;
    return {
      input: sliceTime(b.input, start, end),
      target: sliceTime(b.target, start, end),
      mask: this.mask === null ? null : sliceTime(this.mask, start, end).data,
      weights: this.weights === null ? null : sliceTime(this.weights, start, end).data,
      forward,
    };
  }

  /** The state the next chunk starts from: the final state of the one that ran. */
  carry(state: CarriedState): void {
    this.carried = { h: state.h, c: state.c };
  }

  /** The last carried state, or null before any chunk ran. */
  get state(): CarriedState | null {
    return this.carried;
  }
}

/** Steps `[start, end)` of a batch-first tensor `[B, T, ...]` as a new tensor. */
export function sliceTime(t: Tensor, start: number, end: number): Tensor {
  const [B, T] = t.shape;
  const rest = t.shape.slice(2);
  const width = rest.reduce((a, b) => a * b, 1);
  const out = new Tensor([B, end - start, ...rest], t.dtype);
  for (let b = 0; b < B; b++) {
    const from = (b * T + start) * width;
    out.data.set(t.data.subarray(from, from + (end - start) * width), b * (end - start) * width);
  }
  return out;
}

function toTarget(target: unknown, dtype: 'float32' | 'float64'): Tensor {
  if (target instanceof Tensor) return target;
  if (!Array.isArray(target))
    throw new TypeError(`target is ${describe(target)}, expected a Tensor or nested arrays`);
  return Tensor.from(target as NestedArray, dtype);
}

function buildMask(
  mask: unknown,
  lengths: Int32Array | undefined,
  B: number,
  T: number,
): FloatArray | null {
  if (mask === undefined && lengths === undefined) return null;
  const out = allocate('float64', B * T).fill(1);
  if (mask !== undefined) {
    const m = toTensor('mask', mask, 2, 'float64');
    if (m.shape[0] !== B || m.shape[1] !== T) {
      throw new RangeError(`mask has shape [${m.shape.join(', ')}], expected [${B}, ${T}]`);
    }
    for (let i = 0; i < m.size; i++) {
      const v = m.data[i];
      if (v !== 0 && v !== 1)
        throw new RangeError(`mask has ${v} at ${indexOf(m.shape, i)}, expected 0 or 1`);
      out[i] = v;
    }
  }
  if (lengths !== undefined) {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) if (!isRealStep(lengths, b, t)) out[b * T + t] = 0;
    }
  }
  return out;
}
