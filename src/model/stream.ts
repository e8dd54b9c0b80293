import { allocate, type FloatArray } from '../tensor/dtype.js';
import type { Buf, KernelMemory } from '../kernels/memory.js';
import { checkKeys, describe } from '../tensor/errors.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import type { Parameters } from '../nn/parameters.js';
import { FLOAT32_MAX, checkShape, toTensor } from '../nn/validate.js';
import type { RecurrentStack } from '../recurrent/stack.js';
import { broadcastState } from '../recurrent/initial-state.js';
import type { Head } from './head.js';
import { MAX_STREAM_BATCH } from './caps.js';
import { readsFromEnd, type ResolvedModelOptions } from './options.js';
import type { TokenInput } from './token-input.js';

/**
 * A stream's state as copies, shaped `[L, B, H]`: valid `h0`/`c0` for `reset` and `forward`.
 * @category Model
 */
export interface StreamState {
  /** Hidden state. */
  h0: Tensor;
  /** LSTM cell state (absent for RNN and GRU). */
  c0?: Tensor;
}

/**
 * Step-by-step inference: {@link step} takes one time step of `B` sequences (`B*I` numbers, or
 * `B` token ids for a model with an embedding) and returns the output for that step (`B*O`
 * numbers, a buffer reused by the next call). Streams never apply dropout.
 * Made by `Model.createStream`; it shares the model's parameters and owns its buffers.
 * @category Model
 */
export interface Stream {
  /** Sequences advanced together, `B`. */
  readonly batchSize: number;
  /**
   * Starts over: from `state` when given (for example the `h`/`c` a forward pass over the history
   * returned, `[L, B, H]`), else from zeros, or from the learned state in `learned` mode.
   * The states may be tensors or nested arrays.
   * @throws RangeError for a state of the wrong shape or with non-finite values; TypeError for
   *   `c0` on a model that is not an LSTM or a state that is neither a tensor nor arrays.
   */
  reset(state?: { h0?: Tensor | NestedArray; c0?: Tensor | NestedArray }): void;
  /** Hidden state `[L, B, H]` now (an array updated by every step and reset). */
  readonly h: FloatArray;
  /** LSTM cell state `[L, B, H]` now (an array updated by every step and reset), or null for RNN and GRU. */
  readonly c: FloatArray | null;
  /**
   * A copy of the state now, `{ h0, c0 }` (`c0` for LSTM only), shaped `[L, B, H]`: pass it to
   * {@link reset} to resume later, or as `h0`/`c0` to `forward` to continue with a whole batch.
   */
  state(): StreamState;
  /**
   * Advances every sequence by one step; returns the step's output `[B, O]` (reused next call).
   * `x` is `B*inputSize` numbers in a flat array, nested arrays `[B][inputSize]` or a Tensor
   * `[B, inputSize]` (`B` token ids with an embedding); a flat array is read without allocating.
   * @throws RangeError when `x` does not hold `B*inputSize` finite numbers (within float32's
   *   range for a float32 model; `B` token ids in range, with an embedding).
   */
  step(x: StepInput): FloatArray;
}

/**
 * One step's input to {@link Stream.step}: flat numbers, nested arrays or a Tensor.
 * @category Model
 */
export type StepInput = ArrayLike<number> | NestedArray | Tensor;

/** The {@link Stream} of a model: its own one-step stack, the model's head and parameters. */
export class ModelStream implements Stream {
  /** The head's output, and the copies of it and of the states handed out: plain arrays, never views into kernel memory. */
  private readonly headOut: Buf;
  private readonly out: FloatArray;
  private readonly hCopy: FloatArray;
  private readonly cCopy: FloatArray | null;

  constructor(
    private readonly options: ResolvedModelOptions,
    private readonly params: Parameters,
    private readonly valueBuf: Buf,
    private readonly stack: RecurrentStack,
    private readonly head: Head,
    readonly batchSize: number,
    private readonly tokens: TokenInput | null,
    private readonly memory: KernelMemory,
  ) {
    stack.prepare(1, batchSize, null);
    this.headOut = memory.alloc(options.dtype, batchSize * head.outFeatures);
    this.out = allocate(options.dtype, batchSize * head.outFeatures);
    this.hCopy = allocate(options.dtype, stack.hn.length);
    this.cCopy = stack.shape.cell.cellState ? allocate(options.dtype, stack.cn.length) : null;
    this.reset();
  }

  /** A function that returns the stream's buffers to the model's memory, for when it is collected. */
  releaser(): () => void {
    const { stack, memory, headOut } = this;
    return () => {
      stack.release();
      memory.release(headOut);
    };
  }

  reset(state: { h0?: Tensor | NestedArray; c0?: Tensor | NestedArray } = {}): void {
    checkKeys('reset state', state, ['h0', 'c0']);
    const o = this.options;
    const shape = [o.numLayers, this.batchSize, o.hiddenSize];
    if (state.c0 !== undefined && !this.stack.shape.cell.cellState)
      throw new TypeError(`c0 applies to cells with a cell state (LSTM), not '${o.cell}'`);
    const given: { h0?: Tensor; c0?: Tensor } = {};
    for (const name of ['h0', 'c0'] as const) {
      const t = state[name];
      if (t === undefined) continue;
      given[name] = toTensor(name, t, 3, o.dtype);
      checkShape(name, given[name], shape);
    }
    this.fillState('h0', this.stack.hn, given.h0);
    this.fillState('c0', this.stack.cn, given.c0);
    this.copyStates();
  }

  private fillState(name: 'h0' | 'c0', buf: Buf, given: Tensor | undefined): void {
    const dst = buf.a;
    if (given !== undefined) {
      dst.set(given.data);
      return;
    }
    dst.fill(0);
    const o = this.options;
    const p = o.initialState === 'learned' ? this.params.get(name) : undefined;
    if (p === undefined) return;
    broadcastState(this.params.view(p), dst, o.numLayers, this.batchSize, o.hiddenSize);
  }

  get h(): FloatArray {
    return this.hCopy;
  }

  get c(): FloatArray | null {
    return this.cCopy;
  }

  private copyStates(): void {
    this.hCopy.set(this.stack.hn.a);
    this.cCopy?.set(this.stack.cn.a);
  }

  state(): StreamState {
    const o = this.options;
    const shape = [o.numLayers, this.batchSize, o.hiddenSize];
    const h0 = new Tensor(shape, this.stack.hn.copy());
    return this.cCopy !== null ? { h0, c0: new Tensor(shape, this.stack.cn.copy()) } : { h0 };
  }

  step(input: StepInput): FloatArray {
    const o = this.options;
    const x = flatStep(input);
    if (this.tokens !== null) {
      this.tokens.step(x, this.params.values, this.stack.x.a, this.batchSize);
      return this.advance();
    }
    const n = this.batchSize * o.inputSize;
    if (x === null || typeof x !== 'object' || x.length !== n) {
      throw new RangeError(
        `step input has ${describe(x)}, expected ${n} numbers (batch ${this.batchSize} x ${o.inputSize} features)`,
      );
    }
    const stack = this.stack;
    const max = o.dtype === 'float32' ? FLOAT32_MAX : Number.MAX_VALUE;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (typeof v !== 'number' || !(Math.abs(v) <= max)) {
        const why = Number.isFinite(v)
          ? `outside float32's range (±${FLOAT32_MAX})`
          : 'expected finite numbers';
        throw new RangeError(`step input has ${describe(v)} at ${i}, ${why}`);
      }
    }
    const sx = stack.x.a;
    for (let i = 0; i < n; i++) sx[i] = x[i];
    return this.advance();
  }

  /** One step of the stack from the input already in place, then the head. */
  private advance(): FloatArray {
    const stack = this.stack;
    stack.h0.set(stack.hn.a);
    stack.c0.set(stack.cn.a);
    stack.forward();
    this.head.step(stack.output, this.valueBuf, this.batchSize, this.headOut);
    this.out.set(this.headOut.a);
    this.copyStates();
    return this.out;
  }
}

/** A step input as flat numbers: a Tensor's data, nested arrays flattened, else as given. */
function flatStep(x: StepInput): ArrayLike<number> {
  if (x instanceof Tensor) return x.data;
  if (Array.isArray(x) && x.length > 0 && Array.isArray(x[0]))
    return (x as unknown[]).flat(8) as number[];
  return x as ArrayLike<number>;
}

/** What a model lends each of its streams: its options, parameters, head, embedding and memory. */
export interface StreamParts {
  readonly options: ResolvedModelOptions;
  readonly params: Parameters;
  readonly values: Buf;
  readonly head: Head;
  readonly tokens: TokenInput | null;
  readonly memory: KernelMemory;
}

/** Returns a collected stream's buffers to its model's memory. */
const streams = /* @__PURE__ */ new FinalizationRegistry<() => void>((release) => release());

/**
 * A stream of `batchSize` sequences over a stack of its own from `makeStack`, released when it
 * is collected. @throws TypeError for a model that reads its sequences from the end;
 * RangeError for a batch size that is not an integer in [1, {@link MAX_STREAM_BATCH}].
 */
export function openStream(
  p: StreamParts,
  makeStack: () => RecurrentStack,
  batchSize: number,
): Stream {
  const { options, params, values, head, tokens, memory } = p;
  if (readsFromEnd(options)) {
    const kind = options.bidirectional ? 'bidirectional' : 'reverse';
    throw new TypeError(`a ${kind} model cannot run step by step: it needs the whole sequence`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_STREAM_BATCH) {
    throw new RangeError(
      `batchSize is ${describe(batchSize)}, expected an integer in [1, ${MAX_STREAM_BATCH}]`,
    );
  }
  const stack = makeStack();
  const s = new ModelStream(options, params, values, stack, head, batchSize, tokens, memory);
  streams.register(s, s.releaser());
  return s;
}
