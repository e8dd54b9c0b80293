import type { FloatArray } from './dtype.js';
import type { Rng } from './rng.js';

/**
 * Fills `data` with samples of U(-bound, bound): PyTorch's default for recurrent layers uses bound = 1/√H.
 * @example
 * ```ts
 * import { Rng, uniformInit } from 'rnnkit';
 * const w = new Float32Array(6);
 * uniformInit(w, new Rng(1), 0.5); // every value in [-0.5, 0.5)
 * ```
 * @category Model
 */
export function uniformInit(data: FloatArray, rng: Rng, bound: number): void {
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
}

/**
 * Glorot (Xavier) uniform: U(-a, a) with a = gain·√(6 / (fanIn + fanOut)).
 * @example
 * ```ts
 * import { Rng, glorotInit } from 'rnnkit';
 * const w = new Float32Array(4 * 3);
 * glorotInit(w, new Rng(1), 3, 4); // a [4, 3] weight, fan-in 3, fan-out 4
 * ```
 * @category Model
 */
export function glorotInit(
  data: FloatArray,
  rng: Rng,
  fanIn: number,
  fanOut: number,
  gain = 1,
): void {
  uniformInit(data, rng, gain * Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * Orthogonal initialisation of a `[rows, cols]` matrix (rows-major): the Q factor of a
 * Gaussian matrix by modified Gram-Schmidt, signs fixed by R's diagonal, scaled by `gain`.
 * Rows are orthonormal when rows <= cols, columns when rows > cols.
 * @example
 * ```ts
 * import { Rng, orthogonalInit } from 'rnnkit';
 * const w = new Float64Array(3 * 3);
 * orthogonalInit(w, new Rng(1), 3, 3); // rows orthonormal: w·wᵀ = I
 * ```
 * @category Model
 */
export function orthogonalInit(
  data: FloatArray,
  rng: Rng,
  rows: number,
  cols: number,
  gain = 1,
): void {
  const tall = rows > cols;
  const n = tall ? cols : rows; // vectors to orthonormalise
  const len = tall ? rows : cols; // their length
  const v = new Float64Array(n * len);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    const vi = i * len;
    for (let j = 0; j < i; j++) {
      const vj = j * len;
      let d = 0;
      for (let k = 0; k < len; k++) d += v[vi + k] * v[vj + k];
      for (let k = 0; k < len; k++) v[vi + k] -= d * v[vj + k];
    }
    let norm = 0;
    for (let k = 0; k < len; k++) norm += v[vi + k] * v[vi + k];
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < len; k++) v[vi + k] /= norm;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      data[r * cols + c] = gain * (tall ? v[c * len + r] : v[r * len + c]);
    }
  }
}
