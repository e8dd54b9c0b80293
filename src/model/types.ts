import type { Tensor, NestedArray } from '../tensor/tensor.js';

/**
 * Per-call inputs besides the sequences themselves.
 * @category Model
 */
export interface ForwardOptions {
  /** Steps of each sequence when the batch is padded to one length: `B` integers in [1, T]. */
  lengths?: readonly number[] | Int32Array;
  /** Initial hidden state `[L*D, B, H]`; required with `initialState: 'given'`, else it overrides the mode. */
  h0?: Tensor | NestedArray;
  /** LSTM initial cell state `[L*D, B, H]`, with the same rules as `h0`. */
  c0?: Tensor | NestedArray;
  /** Context vectors `[B, contextSize]`, required with `initialState: 'encoded'`. */
  context?: Tensor | NestedArray;
}

/**
 * What a forward pass returns.
 * @category Model
 */
export interface ForwardResult {
  /** `[B, T, O]` (head at every step; zeros at padded steps), `[B, O]` (head at each sequence's last step); without a head, `O` is `D*H`. */
  output: Tensor;
  /** Final hidden state `[L*D, B, H]`, layer-major, forward direction before backward: pass it as `h0` to continue. */
  h: Tensor;
  /** LSTM final cell state `[L*D, B, H]`, or null for RNN and GRU. */
  c: Tensor | null;
}

/**
 * Upstream gradients for `Model.backward` besides the output's.
 * @category Model
 */
export interface BackwardOptions {
  /** Gradient with respect to the final hidden state `[L*D, B, H]` (a Tensor or nested arrays). */
  gradH?: Tensor | NestedArray;
  /** Gradient with respect to the LSTM final cell state `[L*D, B, H]`. */
  gradC?: Tensor | NestedArray;
  /** Compute the gradient of the input (default true); false saves a product per layer-0 direction. */
  inputGrad?: boolean;
}

/** {@link BackwardOptions} after validation: tensors of the model's dtype. */
export interface CheckedBackwardOptions {
  gradH?: Tensor;
  gradC?: Tensor;
  inputGrad?: boolean;
}

/**
 * Gradients of the inputs of the last forward pass.
 * @category Model
 */
export interface BackwardResult {
  /** `[B, T, I]`, or null when `inputGrad` was false. */
  input: Tensor | null;
  /** `[L*D, B, H]` when h0 was supplied with the call, else null. */
  h0: Tensor | null;
  /** `[L*D, B, H]` when c0 was supplied with the call, else null. */
  c0: Tensor | null;
  /** `[B, contextSize]` with an encoded prior, else null. */
  context: Tensor | null;
}
