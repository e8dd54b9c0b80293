import type { FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';
import { indexOf } from './validate.js';

/** Where an embedding table `[V, E]` sits in the flat parameter array. */
export interface EmbeddingWeights {
  /** Offset of `embed.weight` `[V, E]` (row v is the vector of token v). */
  weight: number;
  vocabSize: number;
  dim: number;
}

/**
 * Token ids `[B, T]` (a tensor, nested arrays or, for one sequence, a flat list) checked to be
 * integers in [0, V), as an `Int32Array` (allocated) with its shape.
 * @throws TypeError for anything else; RangeError naming the first id out of range.
 */
export function toIds(
  name: string,
  value: unknown,
  V: number,
): { ids: Int32Array; B: number; T: number } {
  let flat: ArrayLike<number>;
  let B: number;
  let T: number;
  if (value instanceof Tensor) {
    if (value.shape.length !== 2)
      throw new RangeError(`${name} has shape [${value.shape.join(', ')}], expected ids [B, T]`);
    [B, T] = value.shape;
    flat = value.data;
  } else if (Array.isArray(value) && value.every((row) => Array.isArray(row))) {
    const rows = value as unknown[][];
    B = rows.length;
    T = B === 0 ? 0 : rows[0].length;
    if (rows.some((r) => r.length !== T))
      throw new RangeError(`${name} rows have different lengths, expected ${T} ids in each`);
    flat = rows.flat() as number[];
  } else {
    throw new TypeError(`${name} is ${describe(value)}, expected token ids [B, T]`);
  }
  if (B === 0 || T === 0) throw new RangeError(`${name} is empty: expected at least one id`);
  const ids = new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const id = flat[i];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new RangeError(
        `${name} has ${describe(id)} at ${indexOf([B, T], i)}, expected a token id: an integer in [0, ${V})`,
      );
    }
    ids[i] = id;
  }
  return { ids, B, T };
}

/** `out[i, :] = W[ids[i], :]` for every id: the embedding lookup (`out` holds `ids.length × E`). */
export function embeddingForward(
  out: FloatArray,
  e: EmbeddingWeights,
  params: FloatArray,
  ids: ArrayLike<number>,
): void {
  const E = e.dim;
  for (let i = 0; i < ids.length; i++) {
    const from = e.weight + ids[i] * E;
    for (let j = 0; j < E; j++) out[i * E + j] = params[from + j]; // no view object per id
  }
}

/** Scatter-add: `dW[ids[i], :] += dOut[i, :]` for every id (ids repeated add up). */
export function embeddingBackward(
  e: EmbeddingWeights,
  grads: FloatArray,
  ids: ArrayLike<number>,
  dOut: FloatArray,
): void {
  const E = e.dim;
  for (let i = 0; i < ids.length; i++) {
    const row = e.weight + ids[i] * E;
    for (let j = 0; j < E; j++) grads[row + j] += dOut[i * E + j];
  }
}
