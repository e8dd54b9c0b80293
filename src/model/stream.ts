import { allocate, type FloatArray } from '../tensor/dtype.js';
import { describe } from '../errors.js';
import type { RecurrentStack } from '../sequence/stack.js';
import { linearForward } from './linear.js';
import type { Model } from './model.js';

/**
 * Step-by-step inference: {@link step} takes one time step of `B` sequences (`B*I` numbers)
 * and returns the output for that step (`B*O` numbers, a buffer reused by the next call).
 */
export class Stream {
  private readonly out: FloatArray;

  constructor(
    private readonly model: Model,
    private readonly stack: RecurrentStack,
    readonly batchSize: number,
  ) {
    stack.prepare(1, batchSize, null);
    this.out = allocate(model.options.dtype, batchSize * model.outputFeatures);
    this.reset();
  }

  /** Starts over from a zero state (or the learned one). */
  reset(): void {
    const o = this.model.options;
    this.stack.hn.fill(0);
    this.stack.cn.fill(0);
    if (o.initialState === 'learned') {
      const B = this.batchSize;
      const H = o.hiddenSize;
      for (const name of ['h0', 'c0'] as const) {
        const p = this.model.params.get(name);
        if (p === undefined) continue;
        const dst = name === 'h0' ? this.stack.hn : this.stack.cn;
        const v = this.model.params.view(p);
        for (let k = 0; k < o.numLayers; k++) {
          for (let b = 0; b < B; b++) dst.set(v.subarray(k * H, (k + 1) * H), (k * B + b) * H);
        }
      }
    }
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
