import { Rng } from '../tensor/rng.js';
import { createKernels } from '../kernels/backend.js';
import type { Backend, Kernels } from '../kernels/kernels.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { checkKeys } from '../tensor/errors.js';
import type { ParameterSet, Parameters } from '../nn/parameters.js';
import { checkStateDict, type StateDictEntry } from '../nn/state-dict.js';
import type { SequenceInput } from '../nn/validate.js';
import { RecurrentStack } from '../recurrent/stack.js';
import type { Head } from './head.js';
import { initializeParameters } from './init.js';
import { summarize } from './summary.js';
import { modelToJSON, parseModelJSON, type ModelJSON } from './json.js';
import { modelToSafetensors, parseModelSafetensors } from './safetensors.js';
import type { ModelLoadLimits } from './limits.js';
import { openStream, type Stream } from './stream.js';
import {
  checkGradOutput,
  checkInitialStates,
  checkInput,
  checkLengths,
  checkStateGrads,
} from './call-inputs.js';
import { layOutModel } from './layout.js';
import type { TokenInput } from './token-input.js';
import { Inference } from './inference.js';
import { DropoutMode } from './dropout-mode.js';
import {
  readsFromEnd,
  resolveModelOptions,
  type ModelOptions,
  type ResolvedModelOptions,
} from './options.js';
import { ThreadSwitch } from './threads.js';
import { ModelPasses } from './passes.js';
import { PendingForward } from './pending.js';
import { checkNotMidStep } from './busy.js';
import { registerStack } from './trace.js';
import type { BackwardOptions, BackwardResult, ForwardOptions, ForwardResult } from './types.js';

/**
 * A recurrent model: a stack of RNN, LSTM or GRU layers, an initial-state source and an
 * optional Linear head at every step or at the last step. Parameters live in one flat array
 * (`params.values`) with PyTorch's names and layouts; gradients accumulate in `params.grads`
 * until {@link zeroGrad}.
 *
 * @example
 * ```ts
 * import { Model } from 'rnnkit';
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 32, outputSize: 1 });
 * const { output } = model.forward([[[0.1], [0.2], [0.3]]]); // [B=1, T=3, I=1]
 * console.log(output.shape); // [1, 3, 1]
 * ```
 * @category Model
 */
export class Model {
  /** The options with every default filled in (frozen). */
  readonly options: Readonly<ResolvedModelOptions>;
  /** The parameters: flat `values` and `grads` arrays and named views (never replaced). */
  readonly params: Parameters;
  private readonly store: ParameterSet;
  /** A new stack over the model's parameters, with workspaces of its own (inference, streams). */
  private readonly makeStack: () => RecurrentStack;
  private readonly stack: RecurrentStack;
  private readonly head: Head;
  private readonly tokens: TokenInput | null;
  private readonly inference: Inference;
  private readonly mode: DropoutMode;
  private readonly pending = new PendingForward();
  private readonly threadSwitch: ThreadSwitch;
  private readonly local: ModelPasses;
  private readonly kernels: Kernels;

  /** @throws TypeError or RangeError for an invalid or unknown option. */
  constructor(options: ModelOptions) {
    const o = Object.freeze(resolveModelOptions(options));
    this.options = o;
    const kernels = createKernels(o.dtype, options.backend);
    this.kernels = kernels;
    const { params, stackConfig, weights, initial, head, tokens } = layOutModel(o, kernels);
    this.tokens = tokens;
    this.head = head;
    this.store = params;
    this.params = params;
    this.stack = new RecurrentStack(stackConfig, kernels, o.dtype, params, weights);
    registerStack(this, this.stack);
    this.makeStack = () => new RecurrentStack(stackConfig, kernels, o.dtype, params, weights);
    this.inference = new Inference(this.makeStack, initial, head, params, kernels.memory);
    this.mode = new DropoutMode(this.stack, o.dropout, o.seed + 1);
    this.local = new ModelPasses(o, params, this.stack, initial, head, tokens);
    this.threadSwitch = new ThreadSwitch(this, kernels, this.local, params, this.pending);
    this.initialize(new Rng(o.seed));
  }

  /**
   * The kernels this model runs on, fixed when it was built: `'wasm'` (WebAssembly SIMD, its
   * own memory) or `'js'` (the TypeScript kernels: float64 models, the `'js'` choice, or where
   * WebAssembly cannot run).
   */
  get backend(): Backend {
    return this.kernels.backend;
  }

  /** Whether the model's cell carries a cell state `c` besides `h` (LSTM). */
  get hasCellState(): boolean {
    return this.stack.shape.cell.cellState;
  }

  /** True once {@link dispose} has run. */
  get disposed(): boolean {
    return this.kernels.memory.disposed;
  }

  /**
   * Frees the model's memory now rather than when it is collected (a model that is dropped is
   * freed by the collector all the same). Afterwards every method that reads the weights
   * throws, and views taken from `params` read as empty; streams made from it stop working.
   * Stops its worker threads. Calling it again does nothing.
   */
  dispose(): void {
    if (this.disposed) return;
    void this.threadSwitch.set(1, () => this.toJSON());
    this.kernels.memory.dispose();
  }

  /** @throws Error once the model is disposed. */
  private live(): void {
    if (this.disposed) throw new Error('the model was disposed: build or load a new one');
  }

  /** 2 for a bidirectional stack, else 1. */
  get directions(): number {
    return this.options.bidirectional ? 2 : 1;
  }

  /** Features of the output at each step: `outputSize`, or `D*H` without a head. */
  get outputFeatures(): number {
    return this.head.outFeatures;
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.params.count;
  }

  /**
   * Re-draws every parameter from `rng`. Recurrent weights follow the `init` option (PyTorch's
   * U(-1/√H, 1/√H) by default; `glorot` and `orthogonal` work per gate block and zero the
   * biases); the head and encoders use U(-1/√fanIn, 1/√fanIn) like PyTorch's Linear; learned
   * initial states start at zero.
   */
  initialize(rng: Rng): void {
    initializeParameters(this.store, this.options, rng);
  }

  /** A table of the model: its configuration, then every parameter with its shape and size. */
  summary(): string {
    return summarize(this.options, this.params);
  }

  /** Shape of the output for a batch of `B` sequences of `T` steps. */
  outputShape(B: number, T: number): number[] {
    return this.head.outputShape(B, T);
  }

  /**
   * Runs the model over a batch `[B, T, inputSize]`, caching what {@link backward} needs.
   * @throws TypeError/RangeError for a wrong shape, non-finite values, bad lengths or initial states;
   *   nothing changes when it throws.
   */
  forward(input: SequenceInput, options: ForwardOptions = {}): ForwardResult {
    this.live();
    checkNotMidStep(this, 'forward');
    checkKeys('forward options', options, ['lengths', 'h0', 'c0', 'context']);
    const { x, ids } = this.denseInput(input);
    const [B, T] = x.shape;
    const lengths = checkLengths(options, B, T);
    const states = checkInitialStates(this.options, options, B);
    this.local.ids = ids;
    // Replicas run dense inputs without dropout: token and dropout models stay on this thread.
    const splittable = ids === null && this.options.dropout === 0;
    const shape = () => this.outputShape(B, T);
    const { result, split } = this.threadSwitch.forward(x, lengths, states, splittable, shape);
    this.pending.begin(split);
    return result;
  }

  /** The input as vectors `[B, T, I]`: checked, or embedded from token ids. */
  private denseInput(input: SequenceInput): { x: Tensor; ids: Int32Array | null } {
    if (this.tokens === null) return { x: checkInput(this.options, input), ids: null };
    return this.tokens.embed(input, this.params.values);
  }

  /**
   * The output of the model over `input`, for inference: no dropout, and none of the caches a
   * `backward` needs (the last `forward` stays ready for its backward). A unidirectional model
   * without `lengths` runs in chunks of 128 steps with the state carried, so memory beyond the
   * output does not grow with T; otherwise it runs like {@link forward}.
   * @throws as {@link forward}.
   */
  predict(input: SequenceInput, options: ForwardOptions = {}): Tensor {
    this.live();
    if (readsFromEnd(this.options) || options.lengths !== undefined)
      return this.mode.evaluating(() => this.forward(input, options).output);
    checkKeys('predict options', options, ['h0', 'c0', 'context']);
    const { x } = this.denseInput(input);
    return this.inference.run(x, checkInitialStates(this.options, options, x.shape[0])).output;
  }

  /**
   * Training mode (the default): `forward` applies the model's `dropout`, with masks drawn from a
   * generator owned by the model; `seed` restarts it (two forwards after `train(s)` draw the
   * same masks, as a finite-difference check needs).
   */
  train(seed?: number): void {
    this.mode.train(seed);
  }

  /** Evaluation mode: no dropout in `forward`. `predict` and streams never apply dropout. */
  eval(): void {
    this.mode.eval();
  }

  /** True in training mode (see {@link train}). */
  get training(): boolean {
    return this.mode.training;
  }

  /**
   * Backpropagation through time from the gradient of the last forward's output (same shape).
   * Accumulates (adds) every parameter's gradient into `params.grads`, summed over all steps.
   * Each forward pass allows one backward pass (it reuses the forward's buffers).
   * @throws Error when no forward preceded it (or its backward already ran); RangeError for a
   *   wrong shape or non-finite values.
   */
  backward(gradOutput: Tensor | NestedArray, options: BackwardOptions = {}): BackwardResult {
    this.live();
    checkNotMidStep(this, 'backward');
    checkKeys('backward options', options, ['gradH', 'gradC', 'inputGrad']);
    const { last, split } = this.pending.usable(this.local.last);
    const B = split ? split.B : last.B;
    const shape = split ? split.outputShape : this.outputShape(B, last.T);
    const dy = checkGradOutput(this.options, gradOutput, shape);
    const checked = checkStateGrads(this.options, options, B);
    this.pending.use();
    return this.threadSwitch.backward(split, dy, checked);
  }

  /**
   * Runs the model's passes on `threads` threads; `useThreads(1)` stops the workers. Calls take
   * effect in call order, so the last call decides, awaited or not.
   * - `'wasm'`: the memory becomes a shared `WebAssembly.Memory` that `threads - 1` workers work
   *   in, each large product and gate step cut into one share per thread (training, inference
   *   and streams). Nothing is copied per call; results are one thread's, bit for bit. Node and
   *   cross-origin-isolated pages (COOP `same-origin`, COEP `require-corp`; workers start from a
   *   `blob:` URL). Views taken from `params` before are detached: re-read `params.values`.
   * - `'js'` (float64; Node only): each batch of 8 or more is split among replicas of the model
   *   and their gradients summed; results match one thread up to rounding.
   * @throws RangeError for a count that is not an integer in [1, `maxThreads()`].
   * @throws Error where threads cannot start: a page without isolation, a runtime without
   *   workers, a `'js'` model outside Node.
   */
  useThreads(threads: number): Promise<void> {
    return this.threadSwitch.set(threads, () => this.toJSON());
  }

  /** Number of threads forward and backward passes use (1 unless {@link useThreads} set more). */
  get threads(): number {
    return this.threadSwitch.count;
  }

  /** Every parameter's accumulated gradient by name, as copies. */
  gradDict(): Record<string, Tensor> {
    return Object.fromEntries(this.params.list.map((p) => [p.name, this.params.gradTensor(p)]));
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    this.params.zeroGrad();
  }

  /** Every parameter by its PyTorch name (`rnn.weight_ih_l0`, `head.bias`, `h0`, ...), as copies. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.params.list.map((p) => [p.name, this.params.tensor(p)]));
  }

  /**
   * Loads parameters by name. Every entry must be present with the right shape and finite
   * values (within float32's range for a float32 model), and no other entry may be there;
   * otherwise it throws and loads nothing.
   */
  loadStateDict(dict: Record<string, StateDictEntry>): void {
    checkStateDict(this.params.list, dict, this.options.dtype);
    for (const p of this.params.list) this.params.view(p).set(dict[p.name].data);
  }

  /** A JSON-ready snapshot (copies): the options, valid input to `new Model`, and every parameter. */
  toJSON(): ModelJSON {
    return modelToJSON(this.options, this.params);
  }

  /**
   * Rebuilds a model from {@link toJSON}'s output, safe on untrusted input: options validated, and
   * the parameter count they need checked against `limits.maxParameters` (default 1e8) and the
   * values present, before allocating. @throws TypeError/RangeError with a short message.
   */
  static fromJSON(json: unknown, limits?: ModelLoadLimits): Model {
    const { options, params } = parseModelJSON(json, limits);
    const model = new Model(options);
    model.loadStateDict(params);
    return model;
  }

  /**
   * The parameters as safetensors bytes: every tensor under its PyTorch name, little-endian
   * F32 (F64 for a float64 model), the options in `__metadata__`. Allocates the buffer.
   */
  toSafetensors(): Uint8Array {
    return modelToSafetensors(this.options, this.params);
  }

  /**
   * Rebuilds a model from {@link toSafetensors}' bytes, safe on untrusted input: header, options
   * and parameter count (against `limits.maxParameters` and the data present) are validated
   * before any tensor is allocated. @throws TypeError/RangeError naming the bad field.
   */
  static fromSafetensors(bytes: Uint8Array, limits?: ModelLoadLimits): Model {
    const { options, tensors } = parseModelSafetensors(bytes, limits);
    const model = new Model(options);
    model.loadStateDict(tensors);
    return model;
  }

  /**
   * A stream for feeding one time step at a time (live data), with the state carried between
   * calls. It shares this model's parameters and owns its buffers: a step allocates nothing.
   * @throws TypeError for a bidirectional model; RangeError for a batch size that is not an
   *   integer in [1, {@link MAX_STREAM_BATCH}] (65 536).
   */
  createStream(batchSize = 1): Stream {
    this.live();
    const { options, params, store, head, tokens, kernels } = this;
    const parts = { options, params, values: store.valueBuf, head, tokens, memory: kernels.memory };
    return openStream(parts, this.makeStack, batchSize);
  }
}

export { traceStepGradients } from './trace.js';
export type { BackwardOptions, BackwardResult, ForwardOptions, ForwardResult } from './types.js';
