import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { swapAxes01 } from '../tensor/ops.js';
import type { ParameterSet } from '../nn/parameters.js';
import type { RecurrentStack } from '../recurrent/stack.js';
import type { InitialState, InitialStateInputs } from '../recurrent/initial-state.js';
import type { Head, HeadBatch } from './head.js';
import type { TokenInput } from './token-input.js';
import type { ResolvedModelOptions } from './options.js';
import type { LocalPasses } from './threads.js';
import type { BackwardResult, CheckedBackwardOptions, ForwardResult } from './types.js';

/**
 * The forward and backward pass of one thread: input → initial state → stack → head, and back.
 * Inputs are already checked. Forward keeps what its backward needs (the batch, the token ids).
 */
export class ModelPasses implements LocalPasses {
  /** The batch of the last forward on this thread, or null before the first. */
  last: HeadBatch | null = null;
  /** Token ids of the last forward of a token model, whose embedding rows backward updates. */
  ids: Int32Array | null = null;

  constructor(
    private readonly options: Readonly<ResolvedModelOptions>,
    private readonly store: ParameterSet,
    private readonly stack: RecurrentStack,
    private readonly initial: InitialState,
    private readonly head: Head,
    private readonly tokens: TokenInput | null,
  ) {}

  forward(x: Tensor, lengths: Int32Array | null, states: InitialStateInputs): ForwardResult {
    const o = this.options;
    const [B, T, I] = x.shape;
    const stack = this.stack;
    stack.prepare(T, B, lengths);
    this.head.prepare(B, T);
    swapAxes01(stack.x.a, x.data, B, T, I);
    this.initial.fill(stack, this.store, B, states);
    stack.forward();
    this.last = { B, T, lengths };
    const output = this.head.forward(stack.output, this.store.valueBuf, this.last);
    const shape = [stack.shape.slots, B, o.hiddenSize];
    return {
      output,
      h: new Tensor(shape, stack.hn.copy()),
      c: stack.shape.cell.cellState ? new Tensor(shape, stack.cn.copy()) : null,
    };
  }

  backward(gradOutput: Tensor, options: CheckedBackwardOptions): BackwardResult {
    const last = this.last as HeadBatch;
    const stack = this.stack;
    if (options.gradH) stack.dhn.set(options.gradH.data);
    else stack.dhn.a.fill(0);
    if (options.gradC) stack.dcn.set(options.gradC.data);
    else stack.dcn.a.fill(0);
    const { valueBuf, gradBuf } = this.store;
    this.head.backward(gradOutput.data, valueBuf, gradBuf, last, stack.dOutput);
    const ids = this.ids;
    const inputGrad = (options.inputGrad ?? true) || ids !== null;
    stack.backward(inputGrad);
    const states = this.initial.backward(stack, this.store);
    if (!inputGrad) return { input: null, ...states };
    const { B, T } = last;
    const I = this.options.inputSize;
    const dx = allocate(this.options.dtype, B * T * I);
    swapAxes01(dx, stack.dx.a, T, B, I);
    if (this.tokens === null || ids === null)
      return { input: new Tensor([B, T, I], dx), ...states };
    // Token ids have no gradient: the vectors' gradient goes into the embedding's rows.
    this.tokens.backward(this.store.grads, ids, dx);
    return { input: null, ...states };
  }
}
