import { Tensor, type NestedArray } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';
import { describe } from '../tensor/errors.js';
import { indexOf } from '../nn/validate.js';

/**
 * A mask or sample weights as a loss accepts them: a `Tensor`, nested arrays, or a flat typed
 * array in row-major order.
 * @category Losses
 */
export type StepValues = Tensor | NestedArray | FloatArray;

/**
 * Converts and validates a mask (`kind` 'mask': 0 or 1, one per step) or sample weights
 * (`kind` 'weights': finite and >= 0, one per step or one per sequence) for predictions whose
 * steps have shape `stepShape` (`[B, T]`, or `[B]` for a last-step head). Returns one value per
 * step (length `B·T`), or null when `value` is null or undefined. Allocates the result.
 * @throws TypeError for a value of the wrong kind; RangeError for a wrong shape or a bad entry.
 */
export function toStepValues(
  kind: 'mask' | 'weights',
  value: StepValues | null | undefined,
  stepShape: readonly number[],
): Float64Array | null {
  if (value === null || value === undefined) return null;
  const t = asTensor(kind, value);
  const steps = stepShape.reduce((a, b) => a * b, 1);
  const B = stepShape[0];
  const perSequence = kind === 'weights' && stepShape.length > 1;
  const flat = !(value instanceof Tensor) && !Array.isArray(value);
  const fitsSteps = flat ? t.size === steps : sameShape(t.shape, stepShape);
  const fitsSequences = perSequence && (flat ? t.size === B : sameShape(t.shape, [B]));
  if (!fitsSteps && !fitsSequences) {
    const want = perSequence
      ? `[${stepShape.join(', ')}] (one per step) or [${B}] (one per sequence)`
      : `[${stepShape.join(', ')}] (one per ${stepShape.length > 1 ? 'step' : 'sequence'})`;
    const got = flat ? `${t.size} values` : `shape [${t.shape.join(', ')}]`;
    throw new RangeError(`${kind} has ${got}, expected ${want}`);
  }
  for (let i = 0; i < t.size; i++) checkEntry(kind, t.data[i], t.shape, i);
  if (fitsSteps) return Float64Array.from(t.data);
  const per = steps / B;
  const out = new Float64Array(steps);
  for (let b = 0; b < B; b++) out.fill(t.data[b], b * per, (b + 1) * per);
  return out;
}

/**
 * The factor of every step: mask × weight (1 where neither is given), or null when both are null.
 * Allocates when both are given.
 */
export function combineStepValues(
  mask: Float64Array | null,
  weights: Float64Array | null,
): Float64Array | null {
  if (mask === null) return weights;
  if (weights === null) return mask;
  return mask.map((m, i) => m * weights[i]);
}

function asTensor(kind: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  if (value instanceof Float32Array || value instanceof Float64Array)
    return new Tensor([value.length], value);
  if (Array.isArray(value)) return Tensor.from(value as NestedArray, 'float64');
  throw new TypeError(
    `${kind} is ${describe(value)}, expected a Tensor, nested arrays or a Float32Array/Float64Array`,
  );
}

function checkEntry(
  kind: 'mask' | 'weights',
  v: number,
  shape: readonly number[],
  i: number,
): void {
  if (kind === 'mask' && v !== 0 && v !== 1)
    throw new RangeError(`mask has ${v} at ${indexOf(shape, i)}, expected 0 or 1`);
  if (kind === 'weights' && !(Number.isFinite(v) && v >= 0))
    throw new RangeError(`weights has ${v} at ${indexOf(shape, i)}, expected finite numbers >= 0`);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
