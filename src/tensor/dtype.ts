/**
 * Element type of a tensor: `float32` for speed (the default), `float64` for precision and gradient checks.
 * @category Model
 */
export type DType = 'float32' | 'float64';

/**
 * The typed array behind a tensor of either dtype.
 * @category Model
 */
export type FloatArray = Float32Array | Float64Array;

/** Allocates a zero-filled typed array of the given dtype. */
export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

/** The dtype of a typed array. */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}
