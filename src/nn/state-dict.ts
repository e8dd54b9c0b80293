import type { Tensor } from '../tensor/tensor.js';
import type { Parameter } from './parameters.js';
import { describe } from '../tensor/errors.js';

/** A state dict entry: a tensor, or its plain `{ shape, data }` form (as in JSON). */
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
 * with the parameter's shape and finite values.
 * @throws TypeError for something that is not a dict; RangeError naming the first bad entry.
 */
export function checkStateDict(
  list: readonly Parameter[],
  dict: unknown,
): asserts dict is Record<string, StateDictEntry> {
  if (typeof dict !== 'object' || dict === null) {
    throw new TypeError(`state dict is ${describe(dict)}, expected an object of tensors by name`);
  }
  const names = new Set(list.map((p) => p.name));
  const extra = Object.keys(dict).filter((k) => !names.has(k));
  if (extra.length > 0)
    throw new RangeError(`state dict has unexpected entries: ${extra.join(', ')}`);
  const missing = [...names].filter((k) => !(k in dict));
  if (missing.length > 0)
    throw new RangeError(`state dict is missing entries: ${missing.join(', ')}`);
  for (const p of list) checkEntry(p, (dict as Record<string, StateDictEntry | undefined>)[p.name]);
}

function checkEntry(p: Parameter, e: StateDictEntry | undefined): void {
  const shape: unknown = e?.shape;
  if (
    !Array.isArray(shape) ||
    shape.length !== p.shape.length ||
    shape.some((s, i) => s !== p.shape[i])
  ) {
    const got = Array.isArray(shape) ? `[${shape.join(', ')}]` : describe(shape);
    throw new RangeError(
      `state dict entry ${p.name} has shape ${got}, expected [${p.shape.join(', ')}]`,
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
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(
        `state dict entry ${p.name} has ${describe(v)} at ${i}, expected finite numbers`,
      );
    }
  }
}
