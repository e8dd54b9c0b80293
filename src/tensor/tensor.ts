import { allocate, dtypeOf, type DType, type FloatArray } from './dtype.js';
import { checkChoice, describe } from './errors.js';

const DTYPES = ['float32', 'float64'] as const;

/** The most dimensions nested arrays may have (deeper nesting is certainly a mistake). */
const MAX_RANK = 32;

/** The most elements a tensor may have (the typed-array limit of JavaScript engines). */
const MAX_ELEMENTS = 2 ** 32 - 1;

/**
 * Checks a shape is an array of non-negative integers whose product a typed array can hold, and
 * returns that product.
 * @throws TypeError for a non-array or a non-number size; RangeError for a negative, fractional
 *   or too large size.
 */
function checkShape(shape: unknown): number {
  if (!Array.isArray(shape)) {
    throw new TypeError(`shape is ${describe(shape)}, expected an array of non-negative integers`);
  }
  let size = 1;
  for (let d = 0; d < shape.length; d++) {
    const s: unknown = shape[d];
    if (typeof s !== 'number') {
      throw new TypeError(`shape[${d}] is ${describe(s)}, expected a non-negative integer`);
    }
    if (!Number.isInteger(s) || s < 0) {
      throw new RangeError(`shape[${d}] is ${s}, expected a non-negative integer`);
    }
    size *= s;
  }
  if (size > MAX_ELEMENTS) {
    throw new RangeError(
      `shape [${shape.join(', ')}] has ${size} elements, more than a tensor can hold (${MAX_ELEMENTS})`,
    );
  }
  return size;
}

/**
 * Nested arrays of numbers, as accepted by {@link Tensor.from}.
 * @category Model
 */
export type NestedArray = number | readonly NestedArray[];

/**
 * A dense row-major tensor: a shape and a typed array (`Float32Array` or `Float64Array`).
 * Public sequences are batch-first: `[B, T, features]`.
 * @example
 * ```ts
 * import { Tensor } from 'rnnkit';
 * const x = Tensor.from([[[1], [2]], [[3], [4]]]); // [B=2, T=2, I=1]
 * console.log(x.shape, x.data[3]); // [2, 2, 1] 4
 * ```
 * @category Model
 */
export class Tensor {
  /** Sizes of each dimension. */
  readonly shape: readonly number[];
  /** The elements, row-major (C order). Its length is the product of `shape`. */
  readonly data: FloatArray;

  /**
   * Wraps `data` (not copied) with `shape`; with a dtype instead of data, allocates zeros.
   * @throws TypeError when the shape is not an array of numbers; RangeError when it has a
   *   negative, fractional or too large size, or the data length differs from it.
   */
  constructor(shape: readonly number[], data: FloatArray | DType = 'float32') {
    const size = checkShape(shape);
    if (typeof data === 'string') {
      data = allocate(checkChoice('dtype', data, DTYPES), size);
    } else if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new TypeError(`data is ${describe(data)}, expected a Float32Array or Float64Array`);
    } else if (data.length !== size) {
      throw new RangeError(
        `data has ${data.length} elements, shape [${shape.join(', ')}] needs ${size}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** `float32` or `float64`. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /**
   * Builds a tensor from nested arrays (a rectangular array of finite or non-finite numbers).
   * @throws TypeError for a non-number leaf; RangeError for a ragged array or nesting deeper than 32.
   */
  static from(values: NestedArray, dtype: DType = 'float32'): Tensor {
    checkChoice('dtype', dtype, DTYPES);
    const shape: number[] = [];
    let level: NestedArray = values;
    while (Array.isArray(level)) {
      if (shape.length === MAX_RANK) {
        throw new RangeError(
          `nested arrays are more than ${MAX_RANK} levels deep, expected at most ${MAX_RANK} dimensions`,
        );
      }
      shape.push(level.length);
      if (level.length === 0) break;
      level = (level as readonly NestedArray[])[0];
    }
    const out = allocate(
      dtype,
      shape.reduce((a, b) => a * b, 1),
    );
    let k = 0;
    const walk = (v: NestedArray, depth: number, path: string): void => {
      if (depth === shape.length) {
        if (typeof v !== 'number')
          throw new TypeError(`value at ${path || 'root'} is ${describe(v)}, expected a number`);
        out[k++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[depth]) {
        throw new RangeError(
          `value at ${path || 'root'} is ${describe(v)}, expected an array of length ${shape[depth]} (arrays must be rectangular)`,
        );
      }
      for (let i = 0; i < v.length; i++)
        walk((v as readonly NestedArray[])[i], depth + 1, `${path}[${i}]`);
    };
    walk(values, 0, '');
    return new Tensor(shape, out);
  }

  /** A tensor of zeros. */
  static zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return new Tensor(shape, dtype);
  }

  /** The elements as nested arrays of numbers. */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (depth: number, offset: number): NestedArray => {
      const n = this.shape[depth];
      const stride = this.shape.slice(depth + 1).reduce((a, b) => a * b, 1);
      const row: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        row.push(
          depth === this.shape.length - 1
            ? this.data[offset + i]
            : build(depth + 1, offset + i * stride),
        );
      }
      return row;
    };
    return build(0, 0);
  }

  /** A copy, optionally converted to another dtype. */
  clone(dtype: DType = this.dtype): Tensor {
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Tensor(this.shape, out);
  }

  /** A new tensor of `fn` applied to every element (same shape and dtype). */
  map(fn: (value: number, index: number) => number): Tensor {
    const out = allocate(this.dtype, this.size);
    for (let i = 0; i < out.length; i++) out[i] = fn(this.data[i], i);
    return new Tensor(this.shape, out);
  }

  /** Element-wise sum with a tensor of the same shape. @throws RangeError for another shape. */
  add(other: Tensor): Tensor {
    this.checkSameShape('add', other);
    return this.map((v, i) => v + other.data[i]);
  }

  /** Element-wise difference with a tensor of the same shape. @throws RangeError for another shape. */
  sub(other: Tensor): Tensor {
    this.checkSameShape('sub', other);
    return this.map((v, i) => v - other.data[i]);
  }

  /** Element-wise product with a tensor of the same shape. @throws RangeError for another shape. */
  mul(other: Tensor): Tensor {
    this.checkSameShape('mul', other);
    return this.map((v, i) => v * other.data[i]);
  }

  /** Every element multiplied by `factor`. */
  scale(factor: number): Tensor {
    return this.map((v) => v * factor);
  }

  private checkSameShape(op: string, other: Tensor): void {
    if (!(other instanceof Tensor))
      throw new TypeError(`${op} needs a Tensor, got ${describe(other)}`);
    if (
      other.shape.length !== this.shape.length ||
      other.shape.some((s, i) => s !== this.shape[i])
    ) {
      throw new RangeError(
        `${op}: shapes [${this.shape.join(', ')}] and [${other.shape.join(', ')}] differ`,
      );
    }
  }

  /** The element at a full index, e.g. `t.get(b, t, i)`. Bounds are not checked. */
  get(...index: number[]): number {
    let offset = 0;
    for (let d = 0; d < this.shape.length; d++) offset = offset * this.shape[d] + index[d];
    return this.data[offset];
  }
}
