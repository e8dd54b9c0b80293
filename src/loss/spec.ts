import type { FloatArray } from '../tensor/dtype.js';
import { checkChoice, checkInt, checkKeys, describe } from '../tensor/errors.js';

/**
 * The error of one step: predictions `pred[p .. p+n)` against the step's target at
 * `target[q ..]` (its target features, or one class index). Writes d error / d pred into
 * `grad[p .. p+n)` and returns the error. `sequence` and `step` say which step it scores
 * (`step` is 0 when the predictions have no time axis, as with a last-step head).
 * @category Losses
 */
export type StepFunction = (
  pred: FloatArray,
  p: number,
  n: number,
  target: FloatArray,
  q: number,
  grad: FloatArray,
  sequence: number,
  step: number,
) => number;

/**
 * The per-step part of a loss, from which `defineLoss` builds a complete loss.
 * @category Losses
 */
export interface StepLoss {
  /** Names the loss in errors and in gradient checks. */
  name: string;
  /**
   * `'values'` (default): the target has `targetFeatures` values per step. `'classes'`: one
   * class index per step, an integer in [0, features of the prediction).
   */
  target?: 'values' | 'classes';
  /** Target values per step (default: the prediction's features). Only with `target: 'values'`. */
  targetFeatures?: number;
  /** Features the prediction must have per step (default: any). */
  predFeatures?: number;
  /**
   * Whether `'mean'` divides by the weight of the real steps times the prediction's features
   * (`'elements'`, as PyTorch's MSE) or by the weight of the real steps (`'steps'`).
   */
  meanOver: 'elements' | 'steps';
  /** Inclusive bounds every target value must lie in, e.g. `[0, 1]` for probabilities. */
  targetRange?: readonly [number, number];
  /** The error of one step and its gradient. */
  step: StepFunction;
}

const SPEC_KEYS = [
  'name',
  'target',
  'targetFeatures',
  'predFeatures',
  'meanOver',
  'targetRange',
  'step',
];

/**
 * Validates a {@link StepLoss} and returns a frozen copy, so later changes to the caller's
 * object change nothing.
 * @throws TypeError for a missing or mistyped field (such as `meanOver: 'element'`);
 *   RangeError for a reversed `targetRange` or a feature count below 1.
 */
export function checkStepLoss(spec: unknown): Readonly<StepLoss> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new TypeError(`loss spec is ${describe(spec)}, expected { name, meanOver, step }`);
  checkKeys('loss spec', spec, SPEC_KEYS);
  const s = spec as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name === '')
    throw new TypeError(`loss spec name is ${describe(s.name)}, expected a non-empty string`);
  const target = checkChoice(`${s.name} target`, s.target ?? 'values', [
    'values',
    'classes',
  ] as const);
  const meanOver = checkChoice(`${s.name} meanOver`, s.meanOver, ['elements', 'steps'] as const);
  if (typeof s.step !== 'function')
    throw new TypeError(`${s.name} step is ${describe(s.step)}, expected a function`);
  const out: StepLoss = { name: s.name, target, meanOver, step: s.step as StepFunction };
  if (s.targetFeatures !== undefined) {
    if (target === 'classes')
      throw new TypeError(`${s.name} targetFeatures applies to target 'values', not 'classes'`);
    out.targetFeatures = checkInt(`${s.name} targetFeatures`, s.targetFeatures);
  }
  if (s.predFeatures !== undefined)
    out.predFeatures = checkInt(`${s.name} predFeatures`, s.predFeatures);
  if (s.targetRange !== undefined) out.targetRange = checkTargetRange(s.name, s.targetRange);
  return Object.freeze(out);
}

function checkTargetRange(name: string, range: unknown): readonly [number, number] {
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    range.some((v) => typeof v !== 'number' || Number.isNaN(v))
  ) {
    throw new TypeError(
      `${name} targetRange is ${describe(range)}, expected two numbers [low, high]`,
    );
  }
  const [lo, hi] = range as [number, number];
  if (lo > hi) throw new RangeError(`${name} targetRange is [${lo}, ${hi}], expected low <= high`);
  return Object.freeze([lo, hi] as const);
}
