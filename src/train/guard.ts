import type { FloatArray } from '../tensor/dtype.js';
import { checkChoice } from '../tensor/errors.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';

/**
 * What happens when a training step cannot be applied because the loss, the gradients, the
 * updated weights or the optimizer's updated state are not finite. The step is undone in every
 * case (weights and optimizer state exactly as before), then:
 * - `'skip'`: it is reported as skipped and training goes on (`fit` still stops after
 *   `maxSkippedSteps` skipped steps in a row);
 * - `'stop'`: it is reported as skipped and `fit` stops at once;
 * - `'throw'`: `trainStep` and `fit` throw a RangeError.
 * @category Training
 */
export type NonFinitePolicy = 'skip' | 'stop' | 'throw';

/** The policies, for validation. */
export const NON_FINITE_POLICIES: readonly NonFinitePolicy[] = ['skip', 'stop', 'throw'];

/** Validates a policy option (default `'skip'`). */
export function checkPolicy(value: unknown): NonFinitePolicy {
  return checkChoice('onNonFinite', value ?? 'skip', NON_FINITE_POLICIES);
}

/**
 * Runs `optimizer.step(values, grads)` and keeps its result only when every weight and every
 * value of the optimizer's state is finite afterwards; otherwise restores both exactly and
 * returns why. Allocates a copy of the weights and two of the optimizer state per call.
 * @param name names the parameter holding a flat index, for the reason.
 */
export function guardedUpdate(
  values: FloatArray,
  grads: FloatArray,
  optimizer: Optimizer,
  name: (index: number) => string,
): string | null {
  const weights = values.slice();
  const before = optimizer.stateDict();
  optimizer.step(values, grads);
  const bad = firstNonFinite(values);
  const reason =
    bad >= 0
      ? `the update would make ${name(bad)} ${values[bad]}`
      : nonFiniteState(optimizer.stateDict());
  if (reason === null) return null;
  values.set(weights);
  optimizer.loadStateDict(before);
  return reason;
}

function nonFiniteState(state: OptimizerState): string | null {
  for (const [key, buf] of Object.entries(state.state)) {
    const bad = firstNonFinite(buf);
    if (bad >= 0) return `the update would make the optimizer's ${key}[${bad}] ${buf[bad]}`;
  }
  return null;
}

function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** Why `fit` stops after a skipped step, or null to go on. */
export function stopReason(
  skipReason: string | null,
  run: number,
  maxSkipped: number,
  policy: NonFinitePolicy | undefined,
): string | null {
  if (skipReason === null) return null;
  if (policy === 'stop') return `step skipped (${skipReason}) with onNonFinite 'stop'`;
  if (run >= maxSkipped) return `${run} steps skipped in a row, the last because ${skipReason}`;
  return null;
}
