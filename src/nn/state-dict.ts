import type { Tensor } from '../tensor/tensor.js';
import type { Parameter } from './parameters.js';
import { describe } from '../tensor/errors.js';
import type { DType } from '../tensor/dtype.js';

/** The largest finite float32 value. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * A state dict entry: a tensor, or its plain `{ shape, data }` form (as in JSON).
 * @category Model
 */
export type StateDictEntry =
  | Tensor
  | {
      /** The tensor's shape, e.g. `[4 * H, I]` for an LSTM's `weight_ih_l0`. */
      shape: readonly number[];
      /** Its values in row-major order (product of `shape` values). */
      data: ArrayLike<number>;
    };

/**
 * Checks that `dict` holds exactly the parameters in `list`: every name present, no other, each
 * with the parameter's shape and finite values (within float32's range for a float32 model).
 * @throws TypeError for something that is not a dict; RangeError naming the first bad entries
 *   (a short message whatever the size of the dict).
 */
export function checkStateDict(
  list: readonly Parameter[],
  dict: unknown,
  dtype: DType = 'float64',
): asserts dict is Record<string, StateDictEntry> {
  if (typeof dict !== 'object' || dict === null) {
    throw new TypeError(`state dict is ${describe(dict)}, expected an object of tensors by name`);
  }
  const names = new Set(list.map((p) => p.name));
  const extra = Object.keys(dict).filter((k) => !names.has(k));
  if (extra.length > 0)
    throw new RangeError(`state dict has unexpected entries: ${firstFew(extra)}`);
  const missing = [...names].filter((k) => !(k in dict));
  if (missing.length > 0)
    throw new RangeError(`state dict is missing entries: ${firstFew(missing)}`);
  const max = dtype === 'float32' ? FLOAT32_MAX : Number.MAX_VALUE;
  for (const p of list)
    checkEntry(p, (dict as Record<string, StateDictEntry | undefined>)[p.name], max);
}

/** Up to three names, then how many more, each cut to 60 characters. */
function firstFew(names: readonly string[]): string {
  const shown = names.slice(0, 3).map((n) => (n.length > 60 ? `${n.slice(0, 60)}…` : n));
  return shown.join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
}

/** A shape for an error message: sizes if it is a short array of numbers, else a description. */
function shapeText(shape: unknown): string {
  if (Array.isArray(shape) && shape.length <= 8 && shape.every((s) => typeof s === 'number'))
    return `[${shape.join(', ')}]`;
  return describe(shape);
}

function checkEntry(p: Parameter, e: StateDictEntry | undefined, max: number): void {
  const shape: unknown = e?.shape;
  if (
    !Array.isArray(shape) ||
    shape.length !== p.shape.length ||
    shape.some((s, i) => s !== p.shape[i])
  ) {
    throw new RangeError(
      `state dict entry ${p.name} has shape ${shapeText(shape)}, expected [${p.shape.join(', ')}]`,
    );
  }
  const data: unknown = e?.data;
  if (data === null || typeof data !== 'object' || (data as ArrayLike<unknown>).length !== p.size) {
    throw new RangeError(
      `state dict entry ${p.name} has ${describe(data)} as data, expected ${p.size} numbers`,
    );
  }
  const values = data as ArrayLike<unknown>;
  for (let i = 0; i < p.size; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(Math.abs(v) <= max)) {
      const range = Number.isFinite(v) ? ", outside float32's range" : ', expected finite numbers';
      throw new RangeError(`state dict entry ${p.name} has ${describe(v)} at ${i}${range}`);
    }
  }
}
