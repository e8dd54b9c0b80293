import { allocate, type FloatArray } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { glorotInit, orthogonalInit, uniformInit } from '../tensor/init.js';
import { swapAxes01 } from '../tensor/ops.js';
import { checkKeys, describe } from '../tensor/errors.js';
import { ParameterSet } from '../nn/parameters.js';
import { Stream } from './stream.js';
import { checkStateDict, type StateDictEntry } from '../io/state-dict.js';
import { linearBackward, linearForward, type LinearWeights } from '../nn/linear.js';
import { resolveModelOptions, type ModelOptions, type ResolvedModelOptions } from './options.js';
import {
  checkFinite,
  checkShape,
  toLengths,
  toTensor,
  type SequenceInput,
} from '../nn/validate.js';
import {
  declareStackParams,
  gateCount,
  RecurrentStack,
  type StackConfig,
} from '../recurrent/stack.js';
import type { DirectionWeights } from '../recurrent/direction.js';
import { InitialState, type InitialStateInputs } from '../recurrent/initial-state.js';
import { ThreadPool } from '../parallel/pool.js';
import {
  concatRows,
  concatStates,
  sliceRows,
  sliceStates,
  splitBounds,
} from '../parallel/batch.js';
import type { BackwardReply, ForwardReply, Job, WireTensor } from '../parallel/protocol.js';

/** Per-call inputs besides the sequences themselves. */
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

/** What a forward pass returns. */
export interface ForwardResult {
  /** `[B, T, O]` (head at every step; zeros at padded steps), `[B, O]` (head at each sequence's last step); without a head, `O` is `D*H`. */
  output: Tensor;
  /** Final hidden state `[L*D, B, H]`, layer-major, forward direction before backward: pass it as `h0` to continue. */
  h: Tensor;
  /** LSTM final cell state `[L*D, B, H]`, or null for RNN and GRU. */
  c: Tensor | null;
}

/** Upstream gradients for {@link Model.backward} besides the output's. */
export interface BackwardOptions {
  /** Gradient with respect to the final hidden state `[L*D, B, H]`. */
  gradH?: Tensor;
  /** Gradient with respect to the LSTM final cell state `[L*D, B, H]`. */
  gradC?: Tensor;
  /** Compute the gradient of the input (default true); false saves a product per layer-0 direction. */
  inputGrad?: boolean;
}

/** Gradients of the inputs of the last forward pass. */
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

/** Batches smaller than this run on one thread even when more are set. */
const MIN_SPLIT_BATCH = 8;

interface LastCall {
  B: number;
  T: number;
  lengths: Int32Array | null;
  outputShape: number[];
}

/**
 * A recurrent model: a stack of RNN, LSTM or GRU layers, an initial-state source and an
 * optional Linear head at every step or at the last step. Parameters live in one flat array
 * (`params.values`) with PyTorch's names and layouts; gradients accumulate in `params.grads`
 * until {@link zeroGrad}.
 *
 * @example
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 32, outputSize: 1 });
 * const { output } = model.forward(input); // [B, T, 1]
 */
export class Model {
  readonly options: ResolvedModelOptions;
  readonly params: ParameterSet;
  private readonly stackConfig: StackConfig;
  private readonly weights: DirectionWeights[];
  private readonly stack: RecurrentStack;
  private readonly initial: InitialState;
  private readonly head: LinearWeights | null;
  private last: LastCall | null = null;
  private consumed = false;
  private split: { bounds: number[]; outputShape: number[]; B: number } | null = null;
  private pool: ThreadPool | null = null;
  private headIn: FloatArray;
  private headOut: FloatArray;

  /** @throws TypeError or RangeError for an invalid or unknown option. */
  constructor(options: ModelOptions) {
    const o = resolveModelOptions(options);
    this.options = o;
    this.stackConfig = {
      cell: o.cell,
      inputSize: o.inputSize,
      hiddenSize: o.hiddenSize,
      numLayers: o.numLayers,
      bidirectional: o.bidirectional,
      bias: o.bias,
      nonlinearity: o.nonlinearity,
    };
    const params = new ParameterSet(o.dtype);
    this.weights = declareStackParams(params, this.stackConfig, 'rnn.');
    const slots = o.numLayers * this.directions;
    this.initial = new InitialState(
      o.initialState,
      slots,
      o.hiddenSize,
      o.contextSize,
      o.cell === 'lstm',
      params,
    );
    this.head = null;
    if (o.outputSize !== null) {
      const inF = this.directions * o.hiddenSize;
      const weight = params.add('head.weight', [o.outputSize, inF]).offset;
      const bias = params.add('head.bias', [o.outputSize]).offset;
      this.head = { weight, bias, inFeatures: inF, outFeatures: o.outputSize };
    }
    params.seal();
    this.params = params;
    this.stack = new RecurrentStack(this.stackConfig, o.dtype, params, this.weights);
    this.headIn = this.headOut = allocate(o.dtype, 0);
    this.initialize(new Rng(o.seed));
  }

  /** 2 for a bidirectional stack, else 1. */
  get directions(): number {
    return this.options.bidirectional ? 2 : 1;
  }

  /** Features of the output at each step: `outputSize`, or `D*H` without a head. */
  get outputFeatures(): number {
    return this.options.outputSize ?? this.directions * this.options.hiddenSize;
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
    const o = this.options;
    for (const p of this.params.list) {
      const v = this.params.view(p);
      if (p.name.startsWith('rnn.')) this.initRecurrent(p.name, p.shape, v, rng);
      else if (p.name === 'h0' || p.name === 'c0') v.fill(0);
      else {
        const fanIn = p.name.startsWith('head') ? this.directions * o.hiddenSize : o.contextSize;
        uniformInit(v, rng, 1 / Math.sqrt(fanIn));
      }
    }
  }

  private initRecurrent(name: string, shape: readonly number[], v: FloatArray, rng: Rng): void {
    const { init, hiddenSize: H, unitForgetBias } = this.options;
    const isBias = name.startsWith('rnn.bias');
    const G = gateCount(this.options.cell);
    if (init === 'pytorch') uniformInit(v, rng, 1 / Math.sqrt(H));
    else if (isBias) v.fill(0);
    else {
      const cols = shape[1];
      for (let g = 0; g < G; g++) {
        const block = v.subarray(g * H * cols, (g + 1) * H * cols);
        if (init === 'orthogonal' && name.startsWith('rnn.weight_hh'))
          orthogonalInit(block, rng, H, H);
        else glorotInit(block, rng, cols, H);
      }
    }
    // LSTM gate rows are i, f, g, o: the forget block is rows H..2H.
    if (unitForgetBias && isBias) v.fill(name.startsWith('rnn.bias_ih') ? 1 : 0, H, 2 * H);
  }

  /** A table of the model: its configuration, then every parameter with its shape and size. */
  summary(): string {
    const o = this.options;
    const dir = o.bidirectional ? ', bidirectional' : '';
    const head =
      o.outputSize === null
        ? 'no head'
        : `head ${o.outputSize} at ${o.head === 'last' ? 'the last step' : 'every step'}`;
    const lines = [
      `${o.cell.toUpperCase()} ${o.inputSize} -> ${o.hiddenSize} x ${o.numLayers} layer(s)${dir}, ${head}, initial state ${o.initialState}, ${o.dtype}`,
    ];
    const width = Math.max(...this.params.list.map((p) => p.name.length));
    for (const p of this.params.list) {
      lines.push(
        `  ${p.name.padEnd(width)}  [${p.shape.join(', ')}]`.padEnd(width + 20) +
          String(p.size).padStart(8),
      );
    }
    lines.push(
      `  ${'total'.padEnd(width)}`.padEnd(width + 20) + String(this.params.count).padStart(8),
    );
    return lines.join('\n');
  }

  /** Shape of the output for a batch of `B` sequences of `T` steps. */
  outputShape(B: number, T: number): number[] {
    const F = this.outputFeatures;
    return this.options.head === 'last' ? [B, F] : [B, T, F];
  }

  /**
   * Runs the model over a batch `[B, T, inputSize]`, caching what {@link backward} needs.
   * @throws TypeError/RangeError for a wrong shape, non-finite values, bad lengths or initial states;
   *   nothing changes when it throws.
   */
  forward(input: SequenceInput, options: ForwardOptions = {}): ForwardResult {
    checkKeys('forward options', options, ['lengths', 'h0', 'c0', 'context']);
    const o = this.options;
    const x = toTensor('input', input, 3, o.dtype);
    const [B, T, I] = x.shape;
    if (B === 0) throw new RangeError('input is an empty batch: expected at least one sequence');
    if (T === 0) {
      throw new RangeError('input has zero-length sequences: expected at least one step');
    }
    if (I !== o.inputSize) {
      throw new RangeError(`input has ${I} features per step, the model expects ${o.inputSize}`);
    }
    const lengths = options.lengths === undefined ? null : toLengths(options.lengths, B, T);
    const states = this.resolveInitialStates(options, B);
    this.split = null;
    this.consumed = false;
    if (this.pool !== null && B >= MIN_SPLIT_BATCH)
      return this.forwardSplit(this.pool, x, lengths, states);
    return this.forwardLocal(x, lengths, states);
  }

  private forwardLocal(
    x: Tensor,
    lengths: Int32Array | null,
    states: InitialStateInputs,
  ): ForwardResult {
    const o = this.options;
    const [B, T, I] = x.shape;
    const stack = this.stack;
    stack.prepare(T, B, lengths);
    swapAxes01(stack.x, x.data, B, T, I);
    this.initial.fill(stack, this.params, B, states);
    stack.forward();
    this.last = { B, T, lengths, outputShape: this.outputShape(B, T) };
    const output = this.runHead();
    const L = o.numLayers * this.directions;
    const H = o.hiddenSize;
    return {
      output,
      h: new Tensor([L, B, H], stack.hn.slice()),
      c: o.cell === 'lstm' ? new Tensor([L, B, H], stack.cn.slice()) : null,
    };
  }

  /** The calling thread runs the first chunk of the batch, each worker thread one more. */
  private forwardSplit(
    pool: ThreadPool,
    x: Tensor,
    lengths: Int32Array | null,
    states: InitialStateInputs,
  ): ForwardResult {
    const [B, T] = x.shape;
    const bounds = splitBounds(B, pool.size + 1);
    const chunk = (i: number) => {
      const [from, to] = [bounds[i], bounds[i + 1]];
      return {
        input: sliceRows(x, from, to),
        ...(lengths ? { lengths: lengths.slice(from, to) } : {}),
        ...(states.h0 ? { h0: sliceStates(states.h0, from, to) } : {}),
        ...(states.c0 ? { c0: sliceStates(states.c0, from, to) } : {}),
        ...(states.context ? { context: sliceRows(states.context, from, to) } : {}),
      };
    };
    const jobs: Job[] = [];
    for (let i = 1; i < bounds.length - 1; i++) {
      jobs.push({ kind: 'forward', weights: this.params.values, ...chunk(i) });
    }
    pool.send(jobs);
    const own = chunk(0);
    const local = this.forwardLocal(own.input, own.lengths ?? null, own);
    const remote = pool.receiveAll() as ForwardReply[];
    this.split = { bounds, outputShape: this.outputShape(B, T), B };
    const toT = (w: WireTensor) => new Tensor(w.shape, w.data);
    return {
      output: concatRows([local.output, ...remote.map((r) => toT(r.output))]),
      h: concatStates([local.h, ...remote.map((r) => toT(r.h))]),
      c:
        local.c === null
          ? null
          : concatStates([local.c, ...remote.map((r) => toT(r.c as WireTensor))]),
    };
  }

  /** The output of {@link forward} alone. */
  predict(input: SequenceInput, options: ForwardOptions = {}): Tensor {
    return this.forward(input, options).output;
  }

  /**
   * Backpropagation through time from the gradient of the last forward's output (same shape).
   * Accumulates (adds) every parameter's gradient into `params.grads`, summed over all steps.
   * Each forward pass allows one backward pass (it reuses the forward's buffers).
   * @throws Error when no forward preceded it (or its backward already ran); RangeError for a
   *   wrong shape or non-finite values.
   */
  backward(gradOutput: Tensor, options: BackwardOptions = {}): BackwardResult {
    checkKeys('backward options', options, ['gradH', 'gradC', 'inputGrad']);
    const last = this.last;
    if (last === null) throw new Error('backward needs a forward pass first');
    if (this.consumed) {
      throw new Error(
        'backward already used the last forward pass (it reuses its buffers): run forward again',
      );
    }
    const split = this.split;
    checkShape('gradOutput', gradOutput, split ? split.outputShape : last.outputShape);
    checkFinite('gradOutput', gradOutput);
    const B = split ? split.B : last.B;
    const stateShape = [this.options.numLayers * this.directions, B, this.options.hiddenSize];
    for (const [name, grad] of [
      ['gradH', options.gradH],
      ['gradC', options.gradC],
    ] as const) {
      if (grad === undefined) continue;
      if (name === 'gradC' && this.options.cell !== 'lstm') {
        throw new TypeError('gradC applies to LSTM models only');
      }
      checkShape(name, grad, stateShape);
      checkFinite(name, grad);
    }
    this.consumed = true;
    if (split !== null && this.pool !== null)
      return this.backwardSplit(this.pool, split.bounds, gradOutput, options);
    return this.backwardLocal(gradOutput, options);
  }

  private backwardLocal(gradOutput: Tensor, options: BackwardOptions): BackwardResult {
    const { B, T } = this.last as LastCall;
    const stack = this.stack;
    if (options.gradH) stack.dhn.set(options.gradH.data);
    else stack.dhn.fill(0);
    if (options.gradC) stack.dcn.set(options.gradC.data);
    else stack.dcn.fill(0);
    this.headBackward(gradOutput.data);
    const inputGrad = options.inputGrad ?? true;
    stack.backward(inputGrad);
    const states = this.initial.backward(stack, this.params);
    if (!inputGrad) return { input: null, ...states };
    const I = this.options.inputSize;
    const dx = allocate(this.options.dtype, B * T * I);
    swapAxes01(dx, stack.dx, T, B, I);
    return { input: new Tensor([B, T, I], dx), ...states };
  }

  /** Each thread backpropagates its chunk; the workers' parameter gradients are added here. */
  private backwardSplit(
    pool: ThreadPool,
    bounds: number[],
    gradOutput: Tensor,
    options: BackwardOptions,
  ): BackwardResult {
    const chunk = (i: number) => {
      const [from, to] = [bounds[i], bounds[i + 1]];
      return {
        gradOutput: sliceRows(gradOutput, from, to),
        ...(options.gradH ? { gradH: sliceStates(options.gradH, from, to) } : {}),
        ...(options.gradC ? { gradC: sliceStates(options.gradC, from, to) } : {}),
        inputGrad: options.inputGrad ?? true,
      };
    };
    const jobs: Job[] = [];
    for (let i = 1; i < bounds.length - 1; i++) jobs.push({ kind: 'backward', ...chunk(i) });
    pool.send(jobs);
    const own = chunk(0);
    const local = this.backwardLocal(own.gradOutput, own);
    const remote = pool.receiveAll() as BackwardReply[];
    const g = this.params.grads;
    for (const r of remote) for (let i = 0; i < g.length; i++) g[i] += r.grads[i];
    const toT = (w: WireTensor | null) => (w === null ? null : new Tensor(w.shape, w.data));
    const join = (
      mine: Tensor | null,
      pick: (r: BackwardReply) => WireTensor | null,
      states: boolean,
    ) =>
      mine === null
        ? null
        : (states ? concatStates : concatRows)([
            mine,
            ...remote.map((r) => toT(pick(r)) as Tensor),
          ]);
    return {
      input: join(local.input, (r) => r.input, false),
      h0: join(local.h0, (r) => r.h0, true),
      c0: join(local.c0, (r) => r.c0, true),
      context: join(local.context, (r) => r.context, false),
    };
  }

  /**
   * Runs forward and backward passes on `threads` threads (Node only): the batch is split into
   * chunks, one per thread, each with a replica of this model, and the gradients are summed.
   * Results match a single thread up to rounding. `useThreads(1)` stops the workers. Batches
   * smaller than 8 sequences always run on the calling thread.
   * @throws RangeError for a thread count that is not an integer >= 1.
   */
  async useThreads(threads: number): Promise<void> {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads is ${describe(threads)}, expected an integer >= 1`);
    }
    const old = this.pool;
    this.pool = null;
    this.split = null;
    if (old !== null) await old.close();
    if (threads > 1) this.pool = await ThreadPool.start(threads - 1, this.toJSON());
  }

  /** Number of threads forward and backward passes use (1 unless {@link useThreads} set more). */
  get threads(): number {
    return this.pool === null ? 1 : this.pool.size + 1;
  }

  /** Every parameter's accumulated gradient by name, as copies. */
  gradDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const p of this.params.list) out[p.name] = this.params.gradTensor(p);
    return out;
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    this.params.zeroGrad();
  }

  private resolveInitialStates(options: ForwardOptions, B: number): InitialStateInputs {
    const o = this.options;
    const shape = [o.numLayers * this.directions, B, o.hiddenSize];
    const out: { h0?: Tensor; c0?: Tensor; context?: Tensor } = {};
    for (const name of ['h0', 'c0'] as const) {
      const v = options[name];
      if (v === undefined) {
        if (o.initialState === 'given' && (name === 'h0' || o.cell === 'lstm')) {
          throw new TypeError(
            `${name} is missing: initialState 'given' needs it with every call, shape [${shape}]`,
          );
        }
        continue;
      }
      if (name === 'c0' && o.cell !== 'lstm')
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

  /** Reads the stack's output at every step or at each sequence's last step, through the head if any. */
  private runHead(): Tensor {
    const { B, T, lengths, outputShape } = this.last as LastCall;
    const DH = this.directions * this.options.hiddenSize;
    const F = this.outputFeatures;
    const out = this.stack.output;
    const rows = this.options.head === 'last' ? B : T * B;
    if (this.headIn.length !== rows * DH) this.headIn = allocate(this.options.dtype, rows * DH);
    if (this.headOut.length !== rows * F) this.headOut = allocate(this.options.dtype, rows * F);
    if (this.options.head === 'last') {
      for (let b = 0; b < B; b++) {
        const t = lengths === null ? T - 1 : lengths[b] - 1;
        this.headIn.set(out.subarray((t * B + b) * DH, (t * B + b + 1) * DH), b * DH);
      }
    } else {
      this.headIn.set(out);
    }
    if (this.head !== null)
      linearForward(this.head, this.params.values, this.headIn, rows, this.headOut);
    else this.headOut.set(this.headIn);
    if (this.options.head === 'sequence') zeroPadding(this.headOut, lengths, T, B, F);
    const result = allocate(this.options.dtype, rows * F);
    if (this.options.head === 'last') result.set(this.headOut);
    else swapAxes01(result, this.headOut, T, B, F);
    return new Tensor(outputShape, result);
  }

  /** Sends the output gradient through the head into the stack's `dOutput`. */
  private headBackward(gradOutput: FloatArray): void {
    const { B, T, lengths } = this.last as LastCall;
    const DH = this.directions * this.options.hiddenSize;
    const F = this.outputFeatures;
    const last = this.options.head === 'last';
    const rows = last ? B : T * B;
    const dy = this.headOut; // the forward's head output is no longer needed: reuse its buffer
    if (last) dy.set(gradOutput);
    else swapAxes01(dy, gradOutput, B, T, F);
    if (!last) zeroPadding(dy, lengths, T, B, F);
    const dIn = last ? allocate(this.options.dtype, rows * DH) : this.stack.dOutput;
    if (this.head !== null)
      linearBackward(this.head, this.params.values, this.params.grads, this.headIn, dy, rows, dIn);
    else dIn.set(dy);
    if (!last) return;
    const dOut = this.stack.dOutput;
    dOut.fill(0);
    for (let b = 0; b < B; b++) {
      const t = lengths === null ? T - 1 : lengths[b] - 1;
      dOut.set(dIn.subarray(b * DH, (b + 1) * DH), (t * B + b) * DH);
    }
  }

  /** Every parameter by its PyTorch name (`rnn.weight_ih_l0`, `head.bias`, `h0`, ...), as copies. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const p of this.params.list) out[p.name] = this.params.tensor(p);
    return out;
  }

  /**
   * Loads parameters by name. Every entry must be present with the right shape and finite
   * values, and no other entry may be there; otherwise it throws and loads nothing.
   */
  loadStateDict(dict: Record<string, StateDictEntry>): void {
    checkStateDict(this.params.list, dict);
    for (const p of this.params.list) this.params.view(p).set(dict[p.name].data);
  }

  /** A JSON-ready snapshot: the options and every parameter. */
  toJSON(): {
    format: 'rnnkit-model/1';
    options: ResolvedModelOptions;
    params: Record<string, { shape: number[]; data: number[] }>;
  } {
    const params: Record<string, { shape: number[]; data: number[] }> = {};
    for (const p of this.params.list)
      params[p.name] = { shape: [...p.shape], data: Array.from(this.params.view(p)) };
    return { format: 'rnnkit-model/1', options: { ...this.options }, params };
  }

  /** Rebuilds a model from {@link toJSON}'s output. */
  static fromJSON(json: unknown): Model {
    const j = json as {
      format?: unknown;
      options?: ModelOptions & { outputSize?: number | null };
      params?: Record<string, StateDictEntry>;
    };
    if (typeof j !== 'object' || j === null || j.format !== 'rnnkit-model/1') {
      throw new TypeError(
        `model JSON is ${describe(json)}, expected an object with format 'rnnkit-model/1'`,
      );
    }
    const opts = { ...(j.options as ModelOptions & { outputSize?: number | null }) };
    if (opts.outputSize === null) delete opts.outputSize;
    if (opts.initialState !== 'encoded') delete opts.contextSize;
    if (opts.cell !== 'lstm') delete opts.unitForgetBias;
    if (opts.cell !== 'rnn') delete opts.nonlinearity;
    const model = new Model(opts as ModelOptions);
    model.loadStateDict(j.params ?? {});
    return model;
  }

  /**
   * A stream for feeding one time step at a time (live data), with the state carried between
   * calls. It shares this model's parameters and owns its buffers: a step allocates nothing.
   */
  createStream(batchSize = 1): Stream {
    if (this.options.bidirectional)
      throw new TypeError(
        'a bidirectional model cannot run step by step: it needs the whole sequence',
      );
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize is ${describe(batchSize)}, expected an integer >= 1`);
    }
    return new Stream(
      this,
      new RecurrentStack(this.stackConfig, this.options.dtype, this.params, this.weights),
      batchSize,
    );
  }

  /**
   * Makes the next backward passes record ‖dL/dh_t‖ for every step of every layer and direction
   * (`[L*D][T]`, forward direction before backward); `false` stops recording. Returns the arrays
   * the norms are written into. Used by {@link gradientFlow}.
   */
  traceStepGradients(on: boolean): Float64Array[] {
    return this.stack.directions.map((d) => {
      d.stepGradNorms = on ? new Float64Array(this.stack.T) : null;
      return d.stepGradNorms ?? new Float64Array(0);
    });
  }

  /** @internal used by {@link Stream}. */
  headWeights(): LinearWeights | null {
    return this.head;
  }
}

/** Zeroes the rows of padded steps in a time-major `[T, B, F]` buffer: they are not part of any sequence. */
function zeroPadding(
  buf: FloatArray,
  lengths: Int32Array | null,
  T: number,
  B: number,
  F: number,
): void {
  if (lengths === null) return;
  for (let b = 0; b < B; b++) {
    for (let t = lengths[b]; t < T; t++) buf.fill(0, (t * B + b) * F, (t * B + b + 1) * F);
  }
}
