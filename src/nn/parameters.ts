import type { DType, FloatArray } from '../tensor/dtype.js';
import type { Buf, KernelMemory } from '../kernels/memory.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * One named parameter: a view `[offset, offset + size)` of the flat value and gradient arrays.
 * @category Model
 */
export interface Parameter {
  /** PyTorch-style name, e.g. `rnn.weight_ih_l0`. */
  readonly name: string;
  /** Shape in PyTorch's layout, e.g. `[4 * H, I]` for an LSTM's `weight_ih_l0`. */
  readonly shape: readonly number[];
  /** Index of its first element in the flat `values` and `grads` arrays. */
  readonly offset: number;
  /** Number of elements (the product of `shape`). */
  readonly size: number;
}

/**
 * A model's parameters as users see them: flat `values` and `grads` arrays (same layout),
 * readable and writable element by element but never replaced, and named views into them.
 * @category Model
 */
export interface Parameters {
  /** Element type of `values` and `grads`. */
  readonly dtype: DType;
  /** Every parameter, in PyTorch's order. */
  readonly list: readonly Parameter[];
  /**
   * All values in one array: a live view of the model's weights, not a copy. Writes through it
   * change the model. Read it again rather than keeping it: where the model's memory is not
   * shared (WebAssembly kernels in a page without cross-origin isolation) a view kept across a
   * call that sizes buffers (a forward, predict or stream on a new shape) reads as empty, and
   * after `dispose()` every view reads as empty or throws. A view never reaches another model.
   */
  readonly values: FloatArray;
  /** All gradients, with the layout of `values` (a live view like it); backward passes add into it. */
  readonly grads: FloatArray;
  /** Total number of scalar parameters. */
  readonly count: number;
  /** The parameter called `name`, or undefined. */
  get(name: string): Parameter | undefined;
  /** The values of `p` (a live view, not a copy, valid as {@link values} is). */
  view(p: Parameter): FloatArray;
  /** The gradient of `p` (a live view, not a copy, valid as {@link values} is). */
  gradView(p: Parameter): FloatArray;
  /** A copy of `p`'s values as a tensor. */
  tensor(p: Parameter): Tensor;
  /** A copy of `p`'s gradient as a tensor. */
  gradTensor(p: Parameter): Tensor;
  /** Sets every gradient to zero. */
  zeroGrad(): void;
}

/**
 * Every parameter of a model in one flat allocation (`values`) with a gradient array of the
 * same layout (`grads`), so zeroing, clipping, optimizers and serialisation are one loop each.
 * Parameters are declared with {@link add}, then {@link seal} allocates both arrays once.
 */
export class ParameterSet implements Parameters {
  readonly list: Parameter[] = [];
  private readonly byName = new Map<string, Parameter>();
  private total = 0;
  /** @internal The values and gradients as buffers of the model's memory. */
  valueBuf: Buf;
  /** @internal */
  gradBuf: Buf;

  constructor(
    readonly dtype: DType,
    private readonly memory: KernelMemory,
  ) {
    this.valueBuf = this.gradBuf = memory.alloc(dtype, 0);
  }

  get values(): FloatArray {
    return this.valueBuf.a;
  }

  get grads(): FloatArray {
    return this.gradBuf.a;
  }

  /** @internal Declares a parameter; call {@link seal} after the last one. */
  add(name: string, shape: readonly number[]): Parameter {
    const size = shape.reduce((a, b) => a * b, 1);
    const p: Parameter = { name, shape: Object.freeze([...shape]), offset: this.total, size };
    this.list.push(p);
    this.byName.set(name, p);
    this.total += size;
    return p;
  }

  /** @internal Allocates the flat arrays once every parameter is declared. */
  seal(): void {
    this.valueBuf = this.memory.alloc(this.dtype, this.total);
    this.gradBuf = this.memory.alloc(this.dtype, this.total);
  }

  get count(): number {
    return this.total;
  }

  /** The parameter called `name`, or undefined when there is none. */
  get(name: string): Parameter | undefined {
    return this.byName.get(name);
  }

  view(p: Parameter): FloatArray {
    return this.values.subarray(p.offset, p.offset + p.size);
  }

  gradView(p: Parameter): FloatArray {
    return this.grads.subarray(p.offset, p.offset + p.size);
  }

  tensor(p: Parameter): Tensor {
    return new Tensor(p.shape, this.view(p).slice());
  }

  gradTensor(p: Parameter): Tensor {
    return new Tensor(p.shape, this.gradView(p).slice());
  }

  /** Sets every gradient to 0. */
  zeroGrad(): void {
    this.grads.fill(0);
  }
}
