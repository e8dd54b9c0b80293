/** TensorProto data: made from rnnkit's arrays, and read back under a budget of elements. */
import { FLOAT, INT32, INT64, type TensorMsg } from './messages.js';

/** A float32 tensor, little-endian raw data. */
export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorMsg {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return { name, dims, dataType: FLOAT, raw, values: [], external: false };
}

/** An int64 tensor, little-endian raw data. */
export function int64Tensor(name: string, dims: number[], data: readonly number[]): TensorMsg {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]), true);
  return { name, dims, dataType: INT64, raw, values: [], external: false };
}

/** How many more elements may be read from one file (the loader's `maxParameters`). */
export class ElementBudget {
  constructor(private left: number) {}

  /** Takes `n` elements for `what`, or throws before anything is allocated. */
  take(n: number, what: string): void {
    if (n > this.left)
      throw new RangeError(
        `ONNX ${what} holds ${n} values, more than the ${this.left} left under limits.maxParameters`,
      );
    this.left -= n;
  }
}

/** The element count of `t`'s dims, each checked to be an integer >= 0. */
export function elementCount(t: TensorMsg, where: string): number {
  let n = 1;
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new RangeError(`${where} has a dimension ${d}, expected an integer >= 0`);
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER)
      throw new RangeError(`${where} declares more than 2^53 values`);
  }
  return n;
}

/**
 * The values of a float or integer tensor as float64 numbers, after its element count has been
 * taken from `budget` and matched against the data present.
 * @throws RangeError/TypeError naming `where` for a wrong type, a size mismatch or external data.
 */
export function readValues(t: TensorMsg, where: string, budget: ElementBudget): Float64Array {
  if (t.external)
    throw new TypeError(`${where} keeps its data in an external file, which is not supported`);
  const n = elementCount(t, where);
  const width = t.dataType === FLOAT || t.dataType === INT32 ? 4 : t.dataType === INT64 ? 8 : 0;
  if (width === 0)
    throw new TypeError(
      `${where} has data type ${t.dataType}, expected float (1), int32 (6) or int64 (7)`,
    );
  const present = t.raw !== null ? t.raw.length / width : t.values.length;
  if (present !== n)
    throw new RangeError(
      `${where} declares ${n} values (dims [${t.dims.join(', ')}]) but holds ${present}`,
    );
  budget.take(n, where);
  const out = new Float64Array(n);
  if (t.raw === null) {
    out.set(t.values);
    return out;
  }
  const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  for (let i = 0; i < n; i++) {
    if (t.dataType === FLOAT) out[i] = view.getFloat32(i * 4, true);
    else if (t.dataType === INT32) out[i] = view.getInt32(i * 4, true);
    else out[i] = Number(view.getBigInt64(i * 8, true));
  }
  return out;
}
