import type { FloatArray } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import type { Buf, KernelMemory } from '../kernels/memory.js';
import { Tensor } from '../tensor/tensor.js';
import { toBatchFirst, toTimeMajor } from '../tensor/ops.js';
import type { ParameterSet } from '../nn/parameters.js';
import type { RecurrentStack } from '../recurrent/stack.js';
import type { InitialState, InitialStateInputs } from '../recurrent/initial-state.js';
import type { Head } from './head.js';

/** Steps run at once by {@link Inference}: its workspace holds this many steps, whatever T is. */
export const INFERENCE_CHUNK = 128;

/**
 * Inference without training caches: the sequence runs through a stack of its own in chunks of
 * {@link INFERENCE_CHUNK} steps, the state carried from chunk to chunk, so memory beyond the
 * output does not grow with T, and the model's caches for `backward` are left alone.
 */
export class Inference {
  private stack: RecurrentStack | null = null;
  private carryH: FloatArray;
  private carryC: FloatArray;
  private headOut: Buf;

  constructor(
    private readonly makeStack: () => RecurrentStack,
    private readonly initial: InitialState,
    private readonly head: Head,
    private readonly store: ParameterSet,
    private readonly memory: KernelMemory,
  ) {
    this.carryH = this.carryC = allocate(store.dtype, 0);
    this.headOut = memory.alloc(store.dtype, 0);
  }

  /**
   * The model's output for dense inputs `x` `[B, T, I]` (already checked) from the initial
   * `states`: `[B, T, O]`, or `[B, O]` with a last-step head. Allocates the result; the
   * workspace (one chunk) is sized on the first call and kept while the chunk shape repeats.
   */
  run(x: Tensor, states: InitialStateInputs): { output: Tensor; h: FloatArray; c: FloatArray } {
    const [B, T, I] = x.shape;
    const stack = (this.stack ??= this.makeStack());
    const O = this.head.outFeatures;
    const last = this.head.mode === 'last';
    const result = allocate(this.store.dtype, last ? B * O : B * T * O);
    for (let start = 0; start < T; start += INFERENCE_CHUNK) {
      const n = Math.min(INFERENCE_CHUNK, T - start);
      stack.prepare(n, B, null);
      this.prepareHead(n * B);
      toTimeMajor(stack.x.a, x.data, B, T, I, start, n);
      if (start === 0) this.initial.write(stack, this.store, B, states);
      else {
        stack.h0.set(this.carryH);
        stack.c0.set(this.carryC);
      }
      stack.forward();
      this.keepState(stack);
      if (last && start + n < T) continue;
      this.writeOutput(stack, result, B, T, start, n);
    }
    return {
      output: new Tensor(this.head.outputShape(B, T), result),
      h: this.carryH,
      c: this.carryC,
    };
  }

  private keepState(stack: RecurrentStack): void {
    if (this.carryH.length !== stack.hn.length) {
      this.carryH = allocate(this.store.dtype, stack.hn.length);
      this.carryC = allocate(this.store.dtype, stack.cn.length);
    }
    this.carryH.set(stack.hn.a);
    this.carryC.set(stack.cn.a);
  }

  /** Runs the head on the chunk's steps and copies them (batch-first) into `result`. */
  private writeOutput(
    stack: RecurrentStack,
    result: FloatArray,
    B: number,
    T: number,
    start: number,
    n: number,
  ): void {
    const O = this.head.outFeatures;
    const DH = this.head.inFeatures;
    const values = this.store.valueBuf;
    if (this.head.mode === 'last') {
      this.head.step(stack.output.sub((n - 1) * B * DH, B * DH), values, B, this.headOut);
      result.set(this.headOut.a.subarray(0, B * O));
      return;
    }
    this.head.step(stack.output, values, n * B, this.headOut);
    toBatchFirst(result, this.headOut.a, B, T, O, start, n);
  }

  /** Room for the head's output over `rows` rows, allocated before the chunk runs. */
  private prepareHead(rows: number): void {
    const n = rows * this.head.outFeatures;
    if (this.headOut.length >= n) return;
    this.memory.release(this.headOut);
    this.headOut = this.memory.alloc(this.store.dtype, n);
  }
}
