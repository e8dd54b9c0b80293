import type { FloatArray } from '../tensor/dtype.js';
import { copy } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Buf } from '../kernels/memory.js';
import type { ParameterSet, Parameter } from '../nn/parameters.js';
import { linearBackward, linearForward, type LinearWeights } from '../nn/linear.js';
import type { RecurrentStack } from './stack.js';

/**
 * Where a sequence's initial hidden state comes from:
 * - `zeros`: h0 = 0.
 * - `learned`: a parameter `h0` of shape `[L*D, 1, H]` shared by every sequence, trained by BPTT.
 * - `encoded`: a prior from a per-sequence context vector c: `h0 = tanh(W_c c + b_c)`, the
 *   encoder trained jointly with the rest.
 * - `given`: supplied with each call; its gradient is returned by backward.
 * @category Model
 */
export type InitialStateMode = 'zeros' | 'learned' | 'encoded' | 'given';

/** One state (h, or c for LSTM): its learned parameter or its encoder. */
interface StateSource {
  readonly name: 'h0' | 'c0';
  readonly param: Parameter | null;
  readonly encoder: LinearWeights | null;
}

/** Initial states supplied with a call: `[L*D, B, H]` tensors, or a context `[B, C]`. */
export interface InitialStateInputs {
  readonly h0?: Tensor;
  readonly c0?: Tensor;
  readonly context?: Tensor;
}

/** Gradients of the initial-state inputs that were supplied with the call. */
export interface InitialStateGrads {
  h0: Tensor | null;
  c0: Tensor | null;
  context: Tensor | null;
}

/** Copies a learned state `[slots, 1, H]` to every sequence of `dst` (`[slots, B, H]`). */
export function broadcastState(
  value: FloatArray,
  dst: FloatArray,
  slots: number,
  B: number,
  H: number,
): void {
  for (let k = 0; k < slots; k++) {
    for (let b = 0; b < B; b++) copy(dst, (k * B + b) * H, value, k * H, H);
  }
}

/** Builds h0 (and c0) for the stack in each mode, and sends their gradients back. */
export class InitialState {
  private readonly sources: StateSource[] = [];
  /** The context of the last `fill` (a copy), or null; and the encoder's workspaces. */
  private context: Buf | null = null;
  private readonly work = new Map<string, Buf>();
  private given = { h0: false, c0: false };
  private B = 0;

  constructor(
    private readonly kernels: Kernels,
    readonly mode: InitialStateMode,
    readonly slots: number,
    readonly hiddenSize: number,
    readonly contextSize: number,
    withCellState: boolean,
    params: ParameterSet,
  ) {
    const names: Array<'h0' | 'c0'> = withCellState ? ['h0', 'c0'] : ['h0'];
    const LDH = slots * hiddenSize;
    for (const name of names) {
      const param = mode === 'learned' ? params.add(name, [slots, 1, hiddenSize]) : null;
      let encoder: LinearWeights | null = null;
      if (mode === 'encoded') {
        const weight = params.add(`${name}_encoder.weight`, [LDH, contextSize]).offset;
        const bias = params.add(`${name}_encoder.bias`, [LDH]).offset;
        encoder = { weight, bias, inFeatures: contextSize, outFeatures: LDH };
      }
      this.sources.push({ name, param, encoder });
    }
  }

  /** Writes h0 (and c0) for `B` sequences into the stack; inputs are validated by the caller. */
  fill(stack: RecurrentStack, params: ParameterSet, B: number, inputs: InitialStateInputs): void {
    this.B = B;
    // A copy: the caller may change its context before backward reads it.
    this.context = null;
    if (inputs.context) {
      this.context = this.buffer('context', params, inputs.context.data.length);
      this.context.set(inputs.context.data);
    }
    for (const src of this.sources) this.given[src.name] = inputs[src.name] !== undefined;
    this.write(stack, params, B, inputs);
  }

  /** Writes h0 (and c0) like {@link fill}, remembering nothing for backward (inference). */
  write(stack: RecurrentStack, params: ParameterSet, B: number, inputs: InitialStateInputs): void {
    let context: Buf | null = null;
    if (inputs.context) {
      context = this.buffer('input', params, inputs.context.data.length);
      context.set(inputs.context.data);
    }
    for (const src of this.sources) {
      const dst = src.name === 'h0' ? stack.h0 : stack.c0;
      const supplied = inputs[src.name];
      if (supplied !== undefined) dst.set(supplied.data);
      else if (src.param !== null)
        broadcastState(params.view(src.param), dst.a, this.slots, B, this.hiddenSize);
      else if (src.encoder !== null && context !== null)
        this.encode(src.encoder, params, context, B, dst);
      else dst.a.fill(0);
    }
  }

  /** Routes the stack's dh0 (and dc0) to the learned parameters, the encoder, or the caller. */
  backward(stack: RecurrentStack, params: ParameterSet): InitialStateGrads {
    const grads: InitialStateGrads = { h0: null, c0: null, context: null };
    const { B, slots, hiddenSize: H } = this;
    for (const src of this.sources) {
      const dState = src.name === 'h0' ? stack.dh0 : stack.dc0;
      if (this.given[src.name]) {
        grads[src.name] = new Tensor([slots, B, H], dState.copy());
      } else if (src.param !== null) {
        const [g, dS] = [params.grads, dState.a];
        for (let k = 0; k < slots; k++) {
          for (let b = 0; b < B; b++) {
            for (let j = 0; j < H; j++) g[src.param.offset + k * H + j] += dS[(k * B + b) * H + j];
          }
        }
      } else if (src.encoder !== null && this.context !== null) {
        const state = src.name === 'h0' ? stack.h0 : stack.c0;
        const dCtx = this.encodeBackward(src.encoder, params, state, dState);
        if (grads.context === null) grads.context = new Tensor([B, this.contextSize], dCtx);
        else for (let i = 0; i < dCtx.length; i++) grads.context.data[i] += dCtx[i];
      }
    }
    return grads;
  }

  /** A workspace of this unit named `name`, of exactly `n` elements (kept while the size repeats). */
  private buffer(name: string, params: ParameterSet, n: number): Buf {
    const known = this.work.get(name);
    if (known !== undefined && known.length === n) return known;
    if (known !== undefined) this.kernels.memory.release(known);
    const b = this.kernels.memory.alloc(params.dtype, n);
    this.work.set(name, b);
    return b;
  }

  /** `state[k, b, :] = tanh(W c_b + b)[k*H .. (k+1)*H]`: the encoder's rows are slot-major. */
  private encode(
    enc: LinearWeights,
    params: ParameterSet,
    context: Buf,
    B: number,
    dst: Buf,
  ): void {
    const { slots, hiddenSize: H } = this;
    const pre = this.buffer('pre', params, B * slots * H);
    linearForward(this.kernels, enc, params.valueBuf, context, B, pre);
    const [out, p] = [dst.a, pre.a];
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < slots; k++) {
        for (let j = 0; j < H; j++)
          out[(k * B + b) * H + j] = Math.tanh(p[(b * slots + k) * H + j]);
      }
    }
  }

  /** dL/dcontext `[B, C]` (a copy), adding the encoder's gradients into the parameters'. */
  private encodeBackward(
    enc: LinearWeights,
    params: ParameterSet,
    state: Buf,
    dState: Buf,
  ): FloatArray {
    const { B, slots, hiddenSize: H } = this;
    const dPre = this.buffer('dPre', params, B * slots * H);
    const [dp, s, ds] = [dPre.a, state.a, dState.a];
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < slots; k++) {
        for (let j = 0; j < H; j++) {
          const i = (k * B + b) * H + j;
          dp[(b * slots + k) * H + j] = ds[i] * (1 - s[i] * s[i]);
        }
      }
    }
    const dCtx = this.buffer('dContext', params, B * this.contextSize);
    const { valueBuf, gradBuf } = params;
    linearBackward(this.kernels, enc, valueBuf, gradBuf, this.context as Buf, dPre, B, dCtx);
    return dCtx.copy();
  }
}
