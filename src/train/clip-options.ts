import { checkKeys, describe } from '../tensor/errors.js';
import type { NormType } from '../clip/clip.js';

/**
 * Gradient clipping: by global norm (`maxNorm`, L2 or infinity norm) or by value.
 * @category Training
 */
export type ClipOptions =
  | {
      /** Largest allowed global norm: when the gradients' norm is above it, they are rescaled to it. */
      maxNorm: number;
      /** `2` (L2, the default) or `'inf'` (the largest absolute value). */
      normType?: NormType;
    }
  | {
      /** Every gradient element is clamped to `[-value, value]`. */
      value: number;
    };

const EXPECTED = 'expected { maxNorm, normType? } or { value } (omit it for no clipping)';

/** Validates the `clip` option of a training call; `undefined` means no clipping. */
export function checkClip(clip: unknown): asserts clip is ClipOptions | undefined {
  if (clip === undefined) return;
  if (typeof clip !== 'object' || clip === null || Array.isArray(clip)) {
    throw new TypeError(`clip is ${describe(clip)}, ${EXPECTED}`);
  }
  if ('maxNorm' in clip) {
    checkKeys('clip', clip, ['maxNorm', 'normType']);
    const c = clip as { maxNorm: unknown; normType?: unknown };
    if (typeof c.maxNorm !== 'number' || !(c.maxNorm > 0) || !Number.isFinite(c.maxNorm)) {
      throw new RangeError(`clip.maxNorm is ${describe(c.maxNorm)}, expected a finite number > 0`);
    }
    if (c.normType !== undefined && c.normType !== 2 && c.normType !== 'inf') {
      throw new TypeError(`clip.normType is ${describe(c.normType)}, expected 2 or 'inf'`);
    }
  } else if ('value' in clip) {
    checkKeys('clip', clip, ['value']);
    const v = (clip as { value: unknown }).value;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
      throw new RangeError(`clip.value is ${describe(v)}, expected a finite number > 0`);
    }
  } else {
    throw new TypeError(`clip is ${describe(clip)}, ${EXPECTED}`);
  }
}
