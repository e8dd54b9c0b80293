import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { checkKeys, describe } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { toTensor, type SequenceInput } from '../nn/validate.js';
import type { Batch } from './step.js';

/**
 * A dataset of N sequences: every field indexed by sequence first, like a batch.
 * @category Training
 */
export interface Dataset {
  /** N input sequences `[N, T, I]` (a `Tensor` or nested arrays; token ids `[N, T]` with an embedding). */
  inputs: SequenceInput;
  /**
   * Targets of each sequence: `[N, T, O]` values or `[N, T]` class indices (`[N, O]` / `[N]` with
   * a last-step head).
   */
  targets: Tensor | NestedArray;
  /**
   * Real steps of each of the N sequences when they are padded to T; padded steps add nothing to
   * the loss or any gradient.
   */
  lengths?: readonly number[];
  /** `[N, T]` of 1 (the step counts in the loss) and 0 (ignored), combined with `lengths`. */
  mask?: Tensor | NestedArray;
  /** Sample weights, `[N]` or `[N, T]` (see `Batch.weights`); shuffling keeps them with their rows. */
  weights?: Tensor | NestedArray;
  /** One context vector `[N, C]` per sequence, for `initialState: 'encoded'`. */
  contexts?: Tensor | NestedArray;
}

/** A dataset converted once to tensors, able to gather any rows into a batch. */
export interface Table {
  N: number;
  batch(rows: readonly number[]): Batch;
}

/**
 * Checks `data` against the model and converts it once to tensors (ids `[N, T]` for a model with
 * an embedding). @throws TypeError/RangeError naming the first bad field.
 */
export function toTable(model: Model, data: Dataset): Table {
  if (typeof data !== 'object' || data === null)
    throw new TypeError(`data is ${describe(data)}, expected { inputs, targets }`);
  if (!(data.targets instanceof Tensor) && !Array.isArray(data.targets)) {
    throw new TypeError(
      `targets is ${describe(data.targets)}, expected a Tensor or nested arrays, one row per sequence`,
    );
  }
  checkKeys('data', data, ['inputs', 'targets', 'lengths', 'mask', 'weights', 'contexts']);
  const dtype = model.options.dtype;
  const inputs =
    model.options.embedding === null
      ? toTensor('inputs', data.inputs, 3, dtype)
      : toTensor('inputs', data.inputs, 2, 'float64');
  const N = inputs.shape[0];
  if (N === 0) throw new RangeError('inputs is an empty dataset: expected at least one sequence');
  const targets = data.targets instanceof Tensor ? data.targets : Tensor.from(data.targets, dtype);
  const mask = data.mask === undefined ? undefined : toTensor('mask', data.mask, 2, 'float64');
  const contexts =
    data.contexts === undefined ? undefined : toTensor('contexts', data.contexts, 2, dtype);
  const weights = data.weights === undefined ? undefined : toWeights(data.weights);
  for (const [name, t] of [
    ['targets', targets],
    ['mask', mask],
    ['contexts', contexts],
    ['weights', weights],
  ] as const) {
    if (t !== undefined && t.shape[0] !== N)
      throw new RangeError(`${name} has ${t.shape[0]} rows, inputs has ${N} sequences`);
  }
  if (data.lengths !== undefined && (!Array.isArray(data.lengths) || data.lengths.length !== N)) {
    throw new RangeError(`lengths is ${describe(data.lengths)}, expected ${N} integers`);
  }
  return {
    N,
    batch(rows: readonly number[]): Batch {
      const b: Batch = { input: gather(inputs, rows), target: gather(targets, rows) };
      if (data.lengths !== undefined)
        b.lengths = rows.map((r) => (data.lengths as readonly number[])[r]);
      if (mask !== undefined) b.mask = gather(mask, rows);
      if (contexts !== undefined) b.context = gather(contexts, rows);
      if (weights !== undefined) b.weights = gather(weights, rows);
      return b;
    },
  };
}

function toWeights(w: unknown): Tensor {
  if (w instanceof Tensor) return w;
  if (!Array.isArray(w))
    throw new TypeError(`weights is ${describe(w)}, expected a Tensor or nested arrays`);
  return Tensor.from(w as NestedArray, 'float64');
}

/** Rows `rows` of `t` (first dimension) as a new tensor. */
function gather(t: Tensor, rows: readonly number[]): Tensor {
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Tensor([rows.length, ...t.shape.slice(1)], t.dtype);
  rows.forEach((r, i) => out.data.set(t.data.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** The integers `start .. end-1`. */
export function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}
