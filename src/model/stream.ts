import { allocate, type FloatArray } from '../tensor/dtype.js';
import { checkKeys, describe } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFinite, checkShape } from '../nn/validate.js';
import type { RecurrentStack } from '../recurrent/stack.js';
import { linearForward } from '../nn/linear.js';
import { broadcastState } from '../recurrent/initial-state.js';
import type { Model } from './model.js';

/**
 * Step-by-step inference: {@link step} takes one time step of `B` sequences (`B*I` numbers)
 * and returns the output for that step (`B*O` numbers, a buffer reused by the next call).
 */
export class Stream {
  private readonly out: FloatArray;

  /** @internal Streams are made by {@link Model.createStream}. */
  constructor(
    private readonly model: Model,
    private readonly stack: RecurrentStack,
    /** Sequences fed at each step (B). */
    readonly batchSize: number,
  ) {
    stack.prepare(1, batchSize, null);
    this.out = allocate(model.options.dtype, batchSize * model.outputFeatures);
    this.reset();
  }

  /**
   * Starts over: from `state` when given (for example the `h`/`c` a forward pass over the history
   * returned, `[L, B, H]`), else from zeros, or from the learned state in `learned` mode.
   * @throws RangeError for a state of the wrong shape or with non-finite values.
   */
  reset(state: { h0?: Tensor; c0?: Tensor } = {}): void {
    checkKeys('reset state', state, ['h0', 'c0']);
    const o = this.model.options;
    const shape = [o.numLayers, this.batchSize, o.hiddenSize];
    if (state.c0 !== undefined && o.cell !== 'lstm')
      throw new TypeError('c0 applies to LSTM models only');
    for (const [name, t] of [
      ['h0', state.h0],
      ['c0', state.c0],
    ] as const) {
      if (t === undefined) continue;
      checkShape(name, t, shape);
      checkFinite(name, t);
    }
    this.fillState('h0', this.stack.hn, state.h0);
    this.fillState('c0', this.stack.cn, state.c0);
  }

  private fillState(name: 'h0' | 'c0', dst: FloatArray, given: Tensor | undefined): void {
    if (given !== undefined) {
      dst.set(given.data);
      return;
    }
    dst.fill(0);
    const p =
      this.model.options.initialState === 'learned' ? this.model.params.get(name) : undefined;
    if (p === undefined) return;
    const o = this.model.options;
    broadcastState(this.model.params.view(p), dst, o.numLayers, this.batchSize, o.hiddenSize);
  }

  /** Hidden state `[L, B, H]` now (a live view). */
  get h(): FloatArray {
    return this.stack.hn;
  }

  /**
   * Advances every sequence by one step.
   * @throws RangeError when `x` does not hold `B*inputSize` finite numbers.
   */
  step(x: ArrayLike<number>): FloatArray {
    const o = this.model.options;
    const n = this.batchSize * o.inputSize;
    if (x === null || typeof x !== 'object' || x.length !== n) {
      throw new RangeError(
        `step input has ${describe(x)}, expected ${n} numbers (batch ${this.batchSize} x ${o.inputSize} features)`,
      );
    }
    const stack = this.stack;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (!Number.isFinite(v))
        throw new RangeError(`step input has ${v} at ${i}, expected finite numbers`);
      stack.x[i] = v;
    }
    stack.h0.set(stack.hn);
    stack.c0.set(stack.cn);
    stack.forward();
    const head = this.model.headWeights();
    if (head === null) this.out.set(stack.output);
    else linearForward(head, this.model.params.values, stack.output, this.batchSize, this.out);
    return this.out;
  }
}
