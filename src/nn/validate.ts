import { Tensor, type NestedArray } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { describe } from '../tensor/errors.js';

/**
 * A batch of sequences `[B, T, features]`: a tensor or nested arrays.
 * @category Training
 */
export type SequenceInput = Tensor | NestedArray;

/** The largest finite float32 value. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Converts `value` to a tensor of `rank` dimensions and checks every element is finite, and
 * within float32's range when `dtype` is float32 (1e39 would become Infinity). Nested arrays
 * must be rectangular; a ragged batch of sequences gets a hint about lengths. With `checkValues`
 * false a Tensor's values are left to the call that reads them next (nested arrays are checked
 * all the same, as their conversion needs it).
 */
export function toTensor(
  name: string,
  value: unknown,
  rank: number,
  dtype: DType,
  checkValues = true,
): Tensor {
  let t: Tensor;
  if (value instanceof Tensor) {
    t = value;
  } else if (Array.isArray(value)) {
    if (rank === 3 && value.length > 0 && Array.isArray(value[0])) {
      const lens = value.map((s: unknown) => (Array.isArray(s) ? s.length : -1));
      const odd = lens.findIndex((n) => n !== lens[0]);
      if (odd > 0) {
        throw new RangeError(
          `${name}: sequence ${odd} has ${lens[odd]} steps but sequence 0 has ${lens[0]}; pad ragged sequences ` +
            'to one length (padSequences does this) and pass their lengths',
        );
      }
    }
    t = Tensor.from(value as NestedArray, 'float64');
    checkFinite(name, t, dtype);
    if (dtype === 'float32') t = t.clone('float32');
  } else {
    throw new TypeError(
      `${name} is ${describe(value)}, expected a Tensor or nested arrays of numbers`,
    );
  }
  if (t.shape.length !== rank) {
    throw new RangeError(`${name} has shape [${t.shape.join(', ')}], expected ${rank} dimensions`);
  }
  // Nested arrays were checked above, before their conversion.
  if (checkValues && t === value) checkFinite(name, t, dtype);
  return t;
}

/**
 * Throws a RangeError naming the first NaN or infinite element of `t`, or with `dtype`
 * float32, the first element outside float32's range.
 */
export function checkFinite(name: string, t: Tensor, dtype: DType = t.dtype): void {
  const d = t.data;
  const max = dtype === 'float32' ? FLOAT32_MAX : Number.MAX_VALUE;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!(Math.abs(v) <= max)) {
      const why = Number.isFinite(v)
        ? `, outside float32's range (±${FLOAT32_MAX})`
        : ', expected finite numbers';
      throw new RangeError(`${name} has ${v} at ${indexOf(t.shape, i)}${why}`);
    }
  }
}

/** The multi-index `[i, j, ...]` of flat offset `flat` in `shape`, as text. */
export function indexOf(shape: readonly number[], flat: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

/** Checks `t` has exactly `shape`. */
export function checkShape(name: string, t: Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new RangeError(
      `${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
    );
  }
}

/** Validates per-sequence lengths: `B` integers in [1, T]. */
export function toLengths(value: unknown, B: number, T: number): Int32Array {
  if (!(Array.isArray(value) || value instanceof Int32Array)) {
    throw new TypeError(`lengths is ${describe(value)}, expected an array of ${B} integers`);
  }
  if (value.length !== B)
    throw new RangeError(`lengths has ${value.length} entries, the batch has ${B} sequences`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const n: unknown = value[b];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > T) {
      throw new RangeError(`lengths[${b}] is ${describe(n)}, expected an integer in [1, ${T}]`);
    }
    out[b] = n;
  }
  return out;
}

/**
 * Pads sequences of different lengths (each `[T_b, features]`) with zeros to one length and
 * returns the batch `[B, T_max, features]` with the lengths to pass alongside it, in the
 * spelling of a `Dataset` (`{ inputs, lengths }`, add `targets`). Allocates the batch.
 * @throws TypeError for a value that is not a number; RangeError for NaN, an infinite value,
 *   an empty sequence or a step with another number of features.
 * @example
 * ```ts
 * import { Model, adam, fit, mseLoss, padSequences } from 'rnnkit';
 * const { inputs, lengths } = padSequences([[[1], [2], [3]], [[4]]]); // inputs [2, 3, 1], lengths [3, 1]
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1, head: 'last' });
 * fit(model, { inputs, lengths, targets: [[6], [4]] }, { loss: mseLoss(), optimizer: adam(), epochs: 2 });
 * ```
 * @category Training
 */
export function padSequences(
  sequences: readonly (readonly (readonly number[])[])[],
  dtype: DType = 'float32',
): {
  /** The padded batch `[B, T_max, features]` (a new tensor). */
  inputs: Tensor;
  /** The length of each sequence, to pass as `lengths`. */
  lengths: number[];
} {
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new RangeError(
      `sequences is ${describe(sequences)}, expected a non-empty array of sequences`,
    );
  }
  const lengths = sequences.map((s, b) => {
    if (!Array.isArray(s) || s.length === 0) {
      throw new RangeError(`sequence ${b} is ${describe(s)}, expected a non-empty array of steps`);
    }
    return s.length;
  });
  const first: unknown = sequences[0][0];
  if (!Array.isArray(first) || first.length === 0) {
    throw new TypeError(
      `sequence 0 step 0 is ${describe(first)}, expected an array of feature values`,
    );
  }
  const F = first.length;
  const T = Math.max(...lengths);
  const inputs = new Tensor([sequences.length, T, F], dtype);
  for (let b = 0; b < sequences.length; b++) {
    for (let t = 0; t < lengths[b]; t++) {
      const step: unknown = sequences[b][t];
      if (!Array.isArray(step) || step.length !== F) {
        throw new RangeError(`sequence ${b} step ${t} is ${describe(step)}, expected ${F} numbers`);
      }
      for (let f = 0; f < F; f++) {
        const v: unknown = step[f];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new (typeof v === 'number' ? RangeError : TypeError)(
            `sequence ${b} step ${t} feature ${f} is ${describe(v)}, expected a finite number`,
          );
        }
        inputs.data[(b * T + t) * F + f] = v;
      }
    }
  }
  return { inputs, lengths };
}
