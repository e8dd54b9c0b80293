import { allocate, type DType, type FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** One named parameter: a view `[offset, offset + size)` of the flat value and gradient arrays. */
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
 * Every parameter of a model in one flat allocation (`values`) with a gradient array of the
 * same layout (`grads`), so zeroing, clipping, optimizers and serialisation are one loop each.
 */
export class ParameterSet {
  /** Every parameter, in declaration order (the order of the flat arrays). */
  readonly list: Parameter[] = [];
  private readonly byName = new Map<string, Parameter>();
  private total = 0;
  /** All parameter values, one flat array; {@link view} gives one parameter's part. */
  values: FloatArray;
  /**
   * All gradients, same layout as `values`: backward passes add into it, {@link zeroGrad} resets
   * it.
   */
  grads: FloatArray;

  /** Element type of `values` and `grads`. */
  readonly dtype: DType;

  /** @internal A model builds its own parameter set. */
  constructor(dtype: DType) {
    this.dtype = dtype;
    this.values = allocate(dtype, 0);
    this.grads = allocate(dtype, 0);
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
    this.values = allocate(this.dtype, this.total);
    this.grads = allocate(this.dtype, this.total);
  }

  /** Total number of scalar parameters. */
  get count(): number {
    return this.total;
  }

  /** The parameter called `name`, or undefined when there is none. */
  get(name: string): Parameter | undefined {
    return this.byName.get(name);
  }

  /** The values of `p` (a view, not a copy). */
  view(p: Parameter): FloatArray {
    return this.values.subarray(p.offset, p.offset + p.size);
  }

  /** The gradient of `p` (a view, not a copy). */
  gradView(p: Parameter): FloatArray {
    return this.grads.subarray(p.offset, p.offset + p.size);
  }

  /** A copy of `p`'s values as a tensor. */
  tensor(p: Parameter): Tensor {
    return new Tensor(p.shape, this.view(p).slice());
  }

  /** A copy of `p`'s gradient as a tensor. */
  gradTensor(p: Parameter): Tensor {
    return new Tensor(p.shape, this.gradView(p).slice());
  }

  /** Sets every gradient to 0. */
  zeroGrad(): void {
    this.grads.fill(0);
  }
}
