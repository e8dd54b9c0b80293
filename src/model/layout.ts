import { ParameterSet } from '../nn/parameters.js';
import type { LinearWeights } from '../nn/linear.js';
import type { Kernels } from '../kernels/kernels.js';
import { declareStackParams, stackShape, type StackConfig } from '../recurrent/stack.js';
import type { DirectionWeights } from '../recurrent/direction.js';
import { InitialState } from '../recurrent/initial-state.js';
import { Head } from './head.js';
import { TokenInput } from './token-input.js';
import type { ResolvedModelOptions } from './options.js';
import { parameterCount } from './limits.js';

/** The most parameters a model can have: one flat typed array holds them all. */
const MAX_PARAMETERS = 2 ** 32 - 1;

/** A model's parts before any buffer is sized: its parameters and the units that use them. */
export interface ModelLayout {
  readonly params: ParameterSet;
  readonly stackConfig: StackConfig;
  readonly weights: DirectionWeights[];
  readonly initial: InitialState;
  readonly head: Head;
  /** The embedding in front of the stack, or null for dense inputs. */
  readonly tokens: TokenInput | null;
}

/**
 * Declares every parameter in PyTorch's order (the embedding's, the stack's, then the initial
 * state's, then the head's), allocates the flat arrays once, and makes the initial-state source and the head.
 */
export function layOutModel(o: ResolvedModelOptions, kernels: Kernels): ModelLayout {
  const count = parameterCount(o);
  if (count > MAX_PARAMETERS) {
    throw new RangeError(
      `model options need ${count} parameters, more than one typed array can hold (${MAX_PARAMETERS})`,
    );
  }
  const D = o.bidirectional ? 2 : 1;
  const stackConfig: StackConfig = {
    cell: o.cell,
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers,
    bidirectional: o.bidirectional,
    reverse: o.reverse,
    bias: o.bias,
    nonlinearity: o.nonlinearity,
    linearBeforeReset: o.linearBeforeReset,
  };
  const shape = stackShape(stackConfig);
  const params = new ParameterSet(o.dtype, kernels.memory);
  const e = o.embedding;
  const tokens = e === null ? null : new TokenInput(params, e.vocabSize, e.dim, o.dtype);
  const weights = declareStackParams(params, stackConfig, 'rnn.');
  const H = o.hiddenSize;
  const withC = shape.cell.cellState;
  const { slots } = shape;
  const initial = new InitialState(kernels, o.initialState, slots, H, o.contextSize, withC, params);
  const DH = D * H;
  let linear: LinearWeights | null = null;
  if (o.outputSize !== null) {
    const weight = params.add('head.weight', [o.outputSize, DH]).offset;
    const bias = params.add('head.bias', [o.outputSize]).offset;
    linear = { weight, bias, inFeatures: DH, outFeatures: o.outputSize };
  }
  params.seal();
  const head = new Head(kernels, linear, o.head, o.dtype, DH, o.outputSize ?? DH);
  return { params, stackConfig, weights, initial, head, tokens };
}
