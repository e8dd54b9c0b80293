import { cellSpec } from '../recurrent/cells.js';
import { Tensor } from '../tensor/tensor.js';
import { checkShape, toLengths, toTensor, type SequenceInput } from '../nn/validate.js';
import type { InitialStateInputs } from '../recurrent/initial-state.js';
import type { ResolvedModelOptions } from './options.js';
import type { BackwardOptions, CheckedBackwardOptions, ForwardOptions } from './types.js';

/**
 * The input `[B, T, inputSize]` of a forward pass, checked.
 * @throws TypeError/RangeError for a wrong shape, an empty batch or non-finite values.
 */
export function checkInput(o: ResolvedModelOptions, input: SequenceInput): Tensor {
  const x = toTensor('input', input, 3, o.dtype);
  const [B, T, I] = x.shape;
  if (B === 0) throw new RangeError('input is an empty batch: expected at least one sequence');
  if (T === 0) {
    throw new RangeError('input has zero-length sequences: expected at least one step');
  }
  if (I !== o.inputSize) {
    throw new RangeError(`input has ${I} features per step, the model expects ${o.inputSize}`);
  }
  return x;
}

/** The checked `lengths` of a forward call, or null when every sequence has T steps. */
export function checkLengths(options: ForwardOptions, B: number, T: number): Int32Array | null {
  return options.lengths === undefined ? null : toLengths(options.lengths, B, T);
}

/**
 * The initial states given with a forward call, checked against the model's initial-state mode.
 * @throws TypeError for a state the mode needs but is missing or one that does not apply;
 *   RangeError for a wrong shape.
 */
export function checkInitialStates(
  o: ResolvedModelOptions,
  options: ForwardOptions,
  B: number,
): InitialStateInputs {
  const shape = [o.numLayers * (o.bidirectional ? 2 : 1), B, o.hiddenSize];
  const out: { h0?: Tensor; c0?: Tensor; context?: Tensor } = {};
  for (const name of ['h0', 'c0'] as const) {
    const v = options[name];
    if (v === undefined) {
      if (o.initialState === 'given' && (name === 'h0' || hasCellState(o))) {
        throw new TypeError(
          `${name} is missing: initialState 'given' needs it with every call, shape [${shape}]`,
        );
      }
      continue;
    }
    if (name === 'c0' && !hasCellState(o))
      throw new TypeError(`c0 applies to LSTM models only, not '${o.cell}'`);
    out[name] = toTensor(name, v, 3, o.dtype);
    checkShape(name, out[name], shape);
  }
  if (options.context !== undefined) {
    if (o.initialState !== 'encoded') {
      throw new TypeError(
        `context applies to initialState 'encoded' only, not '${o.initialState}'`,
      );
    }
    out.context = toTensor('context', options.context, 2, o.dtype);
    checkShape('context', out.context, [B, o.contextSize]);
  } else if (o.initialState === 'encoded' && out.h0 === undefined) {
    throw new TypeError(
      `context is missing: initialState 'encoded' needs a context of shape [${B}, ${o.contextSize}]`,
    );
  }
  return out;
}

/**
 * The gradients of the final states given to a backward call, checked: `[L*D, B, H]`, finite.
 * @throws TypeError for `gradC` on a model that is not an LSTM; RangeError for a wrong shape
 *   or non-finite values.
 */
export function checkStateGrads(
  o: ResolvedModelOptions,
  options: BackwardOptions,
  B: number,
): CheckedBackwardOptions {
  const stateShape = [o.numLayers * (o.bidirectional ? 2 : 1), B, o.hiddenSize];
  const out: CheckedBackwardOptions = {};
  if (options.inputGrad !== undefined) out.inputGrad = options.inputGrad;
  for (const name of ['gradH', 'gradC'] as const) {
    const grad = options[name];
    if (grad === undefined) continue;
    if (name === 'gradC' && !hasCellState(o)) {
      throw new TypeError('gradC applies to LSTM models only');
    }
    out[name] = toTensor(name, grad, 3, o.dtype);
    checkShape(name, out[name], stateShape);
  }
  return out;
}

/**
 * The output gradient given to a backward call: a Tensor or nested arrays of `shape`, finite.
 * @throws TypeError for something else; RangeError for a wrong shape or non-finite values.
 */
export function checkGradOutput(
  o: ResolvedModelOptions,
  gradOutput: unknown,
  shape: readonly number[],
): Tensor {
  const g = toTensor('gradOutput', gradOutput, shape.length, o.dtype);
  checkShape('gradOutput', g, shape);
  return g;
}

/** Whether the model's cell carries a cell state `c` besides `h` (LSTM). */
export function hasCellState(o: ResolvedModelOptions): boolean {
  return cellSpec(o.cell).cellState;
}
