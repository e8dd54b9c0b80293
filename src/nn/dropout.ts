import type { FloatArray } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';

/**
 * Fills `mask` for inverted dropout with probability `p`: each entry is 0 (dropped, with
 * probability p) or `1 / (1 − p)` (kept and rescaled), so the expected value is unchanged and
 * evaluation needs no rescaling (PyTorch's convention).
 */
export function fillDropoutMask(mask: FloatArray, rng: Rng, p: number): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keep;
}

/** `x[i] *= mask[i]` over the first `mask.length` values: applies a mask, or its gradient. */
export function applyMask(x: FloatArray, mask: FloatArray): void {
  for (let i = 0; i < mask.length; i++) x[i] *= mask[i];
}
