import type { FloatArray } from '../tensor/dtype.js';
import { checkChoice, checkPositive } from '../tensor/errors.js';

/**
 * Which norm {@link clipGradNorm} measures: the L2 norm or the largest absolute value.
 * @category Training
 */
export type NormType = 2 | 'inf';

/**
 * The global norm of all gradients (one flat array): L2 over every element, or the largest |g|.
 * NaN or Infinity when any gradient is not finite.
 * @example
 * ```ts
 * import { gradNorm } from 'rnnkit';
 * console.log(gradNorm(new Float32Array([3, 4])), gradNorm(new Float32Array([3, -4]), 'inf')); // 5 4
 * ```
 * @category Training
 */
export function gradNorm(grads: FloatArray, normType: NormType = 2): number {
  if (normType === 'inf') {
    let m = 0;
    for (let i = 0; i < grads.length; i++) {
      const a = Math.abs(grads[i]);
      if (a !== a) return NaN;
      if (a > m) m = a;
    }
    return m;
  }
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  if (s !== Infinity) return Math.sqrt(s);
  return scaledL2(grads);
}

/**
 * The L2 norm when the plain sum of squares overflows (float64 gradients above about 1e154):
 * the sum of (g / m)² scaled back by the largest |g| = m, so finite gradients get a finite
 * norm whenever the norm itself fits in a double.
 */
function scaledL2(grads: FloatArray): number {
  let m = 0;
  for (let i = 0; i < grads.length; i++) {
    const a = Math.abs(grads[i]);
    if (a !== a) return NaN;
    if (a > m) m = a;
  }
  if (m === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < grads.length; i++) {
    const r = grads[i] / m;
    s += r * r;
  }
  return m * Math.sqrt(s);
}

/**
 * Rescales all gradients together when their global norm exceeds `maxNorm`: each is multiplied
 * by `maxNorm / (norm + 1e-6)` (PyTorch's rule). Returns the norm before clipping. A non-finite
 * norm leaves the gradients unchanged (the caller should skip the update).
 * @example
 * ```ts
 * import { clipGradNorm } from 'rnnkit';
 * const grads = new Float32Array([3, 4]);
 * console.log(clipGradNorm(grads, 1), Array.from(grads)); // 5 [0.6, 0.8] (to float32 rounding)
 * ```
 * @category Training
 */
export function clipGradNorm(grads: FloatArray, maxNorm: number, normType: NormType = 2): number {
  checkPositive('maxNorm', maxNorm);
  checkChoice('normType', String(normType), ['2', 'inf']);
  const norm = gradNorm(grads, normType);
  if (!Number.isFinite(norm)) return norm;
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) for (let i = 0; i < grads.length; i++) grads[i] *= scale;
  return norm;
}

/**
 * Clamps every gradient to `[-clipValue, clipValue]` in place.
 * @example
 * ```ts
 * import { clipGradValue } from 'rnnkit';
 * const grads = new Float32Array([3, -0.5, -4]);
 * clipGradValue(grads, 1);
 * console.log(Array.from(grads)); // [1, -0.5, -1]
 * ```
 * @category Training
 */
export function clipGradValue(grads: FloatArray, clipValue: number): void {
  checkPositive('clipValue', clipValue);
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g > clipValue) grads[i] = clipValue;
    else if (g < -clipValue) grads[i] = -clipValue;
  }
}
