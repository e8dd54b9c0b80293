import type { DType } from '../tensor/dtype.js';
import type { BackendChoice } from '../kernels/backend.js';
import { checkBackendChoice } from '../kernels/backend.js';
import { cellSpec, cellsWith, type CellType } from '../recurrent/cells.js';
import type { InitialStateMode } from '../recurrent/initial-state.js';
import { checkSeed } from '../tensor/rng.js';
import {
  checkBoolean,
  checkChoice,
  checkInt,
  checkKeys,
  checkRange,
  describe,
} from '../tensor/errors.js';

/**
 * How the recurrent weights are initialised.
 * @category Model
 */
export type WeightInit = 'pytorch' | 'glorot' | 'orthogonal';

/**
 * Options of a {@link Model}. Only `inputSize` and `hiddenSize` are required.
 * @category Model
 */
export interface ModelOptions {
  /** Recurrent cell: `'rnn'` (default), `'lstm'`, `'gru'`, or a registered cell's name. */
  cell?: CellType;
  /** Features per time step of the input (with `embedding`, equal to its `dim`). */
  inputSize: number;
  /** Hidden units per layer and direction. */
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Run a second direction from the last step to the first and concatenate (default false). */
  bidirectional?: boolean;
  /**
   * Run the one direction from the last step to the first (ONNX's `direction: 'reverse'`), so the
   * output at step t has read steps t..T-1. Not with `bidirectional`. Default false.
   */
  reverse?: boolean;
  /**
   * GRU only: `false` applies the reset gate before the hidden product,
   * `n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn)` (the GRU of Cho et al., ONNX's
   * `linear_before_reset=0`, Keras's `reset_after=False`); `true` (the default) is PyTorch's
   * `n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))`. Same parameters either way.
   */
  linearBeforeReset?: boolean;
  /** Use `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** RNN activation: `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
  /** Size of a Linear head on top of the stack; omit for no head (the output is the hidden states). */
  outputSize?: number;
  /** Apply the head at every step (`'sequence'`, default) or only at the last step (`'last'`). */
  head?: 'sequence' | 'last';
  /** Source of the initial state (default `'zeros'`). */
  initialState?: InitialStateMode;
  /** Length of the context vector, required with `initialState: 'encoded'`. */
  contextSize?: number;
  /** Element type of parameters and buffers (default `'float32'`). */
  dtype?: DType;
  /** Seed of the generator that initialises the weights: an integer in [0, 2^32) (default 0). */
  seed?: number;
  /** Recurrent weight initialisation (default `'pytorch'`: U(-1/√H, 1/√H) for everything). */
  init?: WeightInit;
  /** LSTM only: initialise the forget-gate biases to 1 (bias_ih) and 0 (bias_hh). Default false. */
  unitForgetBias?: boolean;
  /**
   * Token inputs: an embedding in front of the stack (PyTorch's `nn.Embedding`, parameter
   * `embed.weight` `[vocabSize, dim]`, initialised from N(0, 1)). The input is then integer ids
   * `[B, T]`, and `inputSize` must equal `dim`.
   */
  embedding?: EmbeddingOptions;
  /**
   * Dropout probability on the outputs of every layer but the last, in training mode only
   * (PyTorch's `dropout` of `nn.LSTM`), in [0, 1). Default 0.
   */
  dropout?: number;
  /**
   * The kernels this model runs on, fixed for its life: `'wasm'` (WebAssembly SIMD), `'js'`
   * (the TypeScript reference kernels) or `'auto'`; default: the choice of `setBackend`. Where
   * wasm cannot run, the model runs on `'js'` (see `model.backend`). Not saved with the model.
   */
  backend?: BackendChoice;
}

/**
 * Size of a model's embedding: `vocabSize` tokens of `dim` features.
 * @category Model
 */
export interface EmbeddingOptions {
  /** Number of tokens V: ids are integers in [0, V). */
  vocabSize: number;
  /** Features of each token's vector E (the stack's input size). */
  dim: number;
}

/**
 * {@link ModelOptions} with every default filled in.
 * @category Model
 */
export type ResolvedModelOptions = Required<
  Omit<ModelOptions, 'outputSize' | 'contextSize' | 'embedding' | 'backend'>
> & {
  /** Outputs of the Linear head, or null when the model has no head. */
  outputSize: number | null;
  /** Size of the context vector in `encoded` mode, 0 otherwise. */
  contextSize: number;
  /** The embedding's size, or null for dense inputs. */
  embedding: Readonly<EmbeddingOptions> | null;
};

const KEYS = [
  'cell',
  'inputSize',
  'hiddenSize',
  'numLayers',
  'bidirectional',
  'reverse',
  'linearBeforeReset',
  'bias',
  'nonlinearity',
  'outputSize',
  'head',
  'initialState',
  'contextSize',
  'dtype',
  'seed',
  'init',
  'unitForgetBias',
  'embedding',
  'dropout',
  'backend',
] as const;

/** Validates model options and fills in defaults. */
export function resolveModelOptions(o: ModelOptions): ResolvedModelOptions {
  if (typeof o !== 'object' || o === null)
    throw new TypeError(`model options are ${describe(o)}, expected an object`);
  checkKeys('model options', o, KEYS);
  const spec = cellSpec(o.cell ?? 'rnn');
  const cell = spec.name;
  if (o.backend !== undefined) checkBackendChoice('backend', o.backend);
  const initialState = checkChoice('initialState', o.initialState ?? 'zeros', [
    'zeros',
    'learned',
    'encoded',
    'given',
  ] as const);
  if (initialState === 'encoded' && o.contextSize === undefined) {
    throw new TypeError(
      "initialState 'encoded' needs contextSize, the length of the context vector",
    );
  }
  if (initialState !== 'encoded' && o.contextSize !== undefined) {
    throw new TypeError(
      `contextSize applies to initialState 'encoded' only, not '${initialState}'`,
    );
  }
  if (o.unitForgetBias && spec.forgetGate === undefined) {
    const cells = cellsWith((c) => c.forgetGate !== undefined);
    throw new TypeError(`unitForgetBias applies to ${cells} only, not '${cell}'`);
  }
  if (o.unitForgetBias && o.bias === false) {
    throw new TypeError('unitForgetBias sets the forget-gate bias, which bias: false removes');
  }
  if (o.nonlinearity !== undefined && !spec.nonlinearity) {
    const cells = cellsWith((c) => c.nonlinearity === true);
    throw new TypeError(`nonlinearity applies to ${cells} only, not '${cell}'`);
  }
  if (o.linearBeforeReset !== undefined && spec.resetBeforeProduct === undefined) {
    const cells = cellsWith((c) => c.resetBeforeProduct !== undefined);
    throw new TypeError(`linearBeforeReset applies to ${cells} only, not '${cell}'`);
  }
  if (o.reverse === true && o.bidirectional === true)
    throw new TypeError('reverse runs one direction backwards: a bidirectional model runs both');
  const seed = checkSeed('seed', o.seed ?? 0);
  return {
    cell,
    inputSize: checkInt('inputSize', o.inputSize),
    hiddenSize: checkInt('hiddenSize', o.hiddenSize),
    numLayers: checkInt('numLayers', o.numLayers ?? 1),
    bidirectional: checkBoolean('bidirectional', o.bidirectional ?? false),
    reverse: checkBoolean('reverse', o.reverse ?? false),
    linearBeforeReset: checkBoolean('linearBeforeReset', o.linearBeforeReset ?? true),
    bias: checkBoolean('bias', o.bias ?? true),
    nonlinearity: checkChoice('nonlinearity', o.nonlinearity ?? 'tanh', ['tanh', 'relu'] as const),
    outputSize: o.outputSize === undefined ? null : checkInt('outputSize', o.outputSize),
    head: checkChoice('head', o.head ?? 'sequence', ['sequence', 'last'] as const),
    initialState,
    contextSize: initialState === 'encoded' ? checkInt('contextSize', o.contextSize) : 0,
    dtype: checkChoice('dtype', o.dtype ?? 'float32', ['float32', 'float64'] as const),
    seed,
    init: checkChoice('init', o.init ?? 'pytorch', ['pytorch', 'glorot', 'orthogonal'] as const),
    unitForgetBias: checkBoolean('unitForgetBias', o.unitForgetBias ?? false),
    embedding: resolveEmbedding(o.embedding, o.inputSize),
    dropout: checkRange('dropout', o.dropout ?? 0, 0, 1),
  };
}

function resolveEmbedding(e: unknown, inputSize: unknown): Readonly<EmbeddingOptions> | null {
  if (e === undefined || e === null) return null;
  checkKeys('embedding', e, ['vocabSize', 'dim']);
  const o = e as EmbeddingOptions;
  const out = Object.freeze({
    vocabSize: checkInt('embedding.vocabSize', o.vocabSize),
    dim: checkInt('embedding.dim', o.dim),
  });
  if (inputSize !== out.dim)
    throw new RangeError(
      `inputSize is ${describe(inputSize)}, expected embedding.dim (${out.dim}): the stack reads the embedded tokens`,
    );
  return out;
}

/** Whether a model reads its sequences from the end (bidirectional or reverse): it cannot stream. */
export function readsFromEnd(o: ResolvedModelOptions): boolean {
  return o.bidirectional || o.reverse;
}
