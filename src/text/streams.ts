import { Tensor } from '../tensor/tensor.js';
import { checkInt, describe } from '../tensor/errors.js';

/**
 * Inputs and next-token targets made by {@link nextTokenData}.
 * @category Text
 */
export interface NextTokenData {
  /** Token ids `[rows, L]`. */
  inputs: Tensor;
  /** The id after each input id, `[rows, L]`. */
  targets: Tensor;
}

/**
 * Cuts one long stream of token ids into `rows` parallel streams for next-token training with
 * truncated BPTT: row r holds the r-th contiguous piece, `inputs[r, t]` is a token and
 * `targets[r, t]` the token after it. Each row has `floor((n − 1) / rows)` steps; the remainder
 * at the end is dropped. Both are float64 tensors of ids `[rows, L]` (allocated).
 * @throws RangeError when the stream is too short for `rows` rows of at least one step.
 * @example
 * ```ts
 * import { Vocabulary, nextTokenData } from 'rnnkit';
 * const vocab = Vocabulary.fromText('abcabcabc');
 * const { inputs, targets } = nextTokenData(vocab.encode('abcabcabc'), 2);
 * console.log(inputs.shape, targets.shape); // [2, 4] [2, 4]: each target is the next id
 * ```
 * @category Text
 */
export function nextTokenData(ids: ArrayLike<number>, rows: number): NextTokenData {
  checkInt('rows', rows);
  if (typeof ids !== 'object' || ids === null || typeof ids.length !== 'number')
    throw new TypeError(`ids is ${describe(ids)}, expected an array of token ids`);
  const L = Math.floor((ids.length - 1) / rows);
  if (L < 1)
    throw new RangeError(
      `ids has ${ids.length} tokens, expected at least ${rows + 1} for ${rows} rows`,
    );
  const inputs = new Tensor([rows, L], 'float64');
  const targets = new Tensor([rows, L], 'float64');
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < L; t++) {
      inputs.data[r * L + t] = ids[r * L + t];
      targets.data[r * L + t] = ids[r * L + t + 1];
    }
  }
  return { inputs, targets };
}
