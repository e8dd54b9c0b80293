import type { DType, FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';
import type { ParameterSet } from '../nn/parameters.js';
import {
  embeddingBackward,
  embeddingForward,
  toIds,
  type EmbeddingWeights,
} from '../nn/embedding.js';

/**
 * The embedding in front of the stack (PyTorch's `nn.Embedding`): token ids `[B, T]` become
 * vectors `[B, T, E]`, rows of the parameter `embed.weight` `[V, E]`; backward scatter-adds the
 * vectors' gradients into the rows of the ids seen.
 */
export class TokenInput {
  readonly weights: EmbeddingWeights;

  /** Declares `embed.weight` in `params` (before {@link ParameterSet.seal}). */
  constructor(
    params: ParameterSet,
    readonly vocabSize: number,
    readonly dim: number,
    private readonly dtype: DType,
  ) {
    const weight = params.add('embed.weight', [vocabSize, dim]).offset;
    this.weights = { weight, vocabSize, dim };
  }

  /**
   * The vectors `[B, T, E]` (allocated) of ids `[B, T]` (a tensor or nested arrays), and the ids.
   * @throws TypeError/RangeError for anything but integer ids in [0, V).
   */
  embed(input: unknown, values: FloatArray): { x: Tensor; ids: Int32Array } {
    const { ids, B, T } = toIds('input', input, this.vocabSize);
    const x = new Tensor([B, T, this.dim], this.dtype);
    embeddingForward(x.data, this.weights, values, ids);
    return { x, ids };
  }

  /** Adds the gradient of the vectors of `ids` (`[B, T, E]`) into `embed.weight`'s rows. */
  backward(grads: FloatArray, ids: Int32Array, dVectors: FloatArray): void {
    embeddingBackward(this.weights, grads, ids, dVectors);
  }

  /**
   * Writes the vectors of `B` ids (one step of a stream) into `out` (`[B, E]`).
   * @throws RangeError for an id that is not an integer in [0, V) or the wrong count.
   */
  step(ids: ArrayLike<number>, values: FloatArray, out: FloatArray, B: number): void {
    if (ids === null || typeof ids !== 'object' || ids.length !== B)
      throw new RangeError(`step input has ${describe(ids)}, expected ${B} token ids`);
    for (let i = 0; i < B; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
        throw new RangeError(
          `step input has ${describe(id)} at ${i}, expected a token id: an integer in [0, ${this.vocabSize})`,
        );
    }
    embeddingForward(out, this.weights, values, ids);
  }
}
