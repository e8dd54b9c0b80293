import { checkInt, describe } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import type { Loss } from '../loss/loss.js';
import type { AbortSignalLike } from './signal.js';
import { prepareBatch } from './step.js';
import type { Table } from './dataset.js';

/**
 * Validates a dataset whole before training: every batch-level check on all rows, then a
 * forward pass over its first sequence for the checks that need the model (features per step,
 * contexts, initial states). No weight changes. Returns `table`.
 */
export function checkTable(model: Model, table: Table, loss: Loss): Table {
  prepareBatch(model, table.batch(Array.from({ length: table.N }, (_, i) => i)), loss);
  const first = prepareBatch(model, table.batch([0]), loss);
  model.forward(first.input, first.forward);
  return table;
}

/**
 * Runs `fn`, re-throwing a TypeError or RangeError with `what` in front of its message, so an
 * error in, say, the validation set says so.
 */
export function inContext<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) throw new RangeError(`${what}: ${err.message}`);
    if (err instanceof TypeError) throw new TypeError(`${what}: ${err.message}`);
    throw err;
  }
}

/** Validates `fit`'s `signal`: undefined or an AbortSignal (anything with a boolean `aborted`). */
export function checkSignal(signal: unknown): AbortSignalLike | undefined {
  if (signal === undefined) return undefined;
  const ok =
    typeof signal === 'object' &&
    signal !== null &&
    typeof (signal as { aborted?: unknown }).aborted === 'boolean';
  if (!ok) {
    throw new TypeError(
      `signal is ${describe(signal)}, expected an AbortSignal (such as new AbortController().signal)`,
    );
  }
  return signal as AbortSignalLike;
}

/** Validates `initialEpoch` (default 0) against `epochs`: an integer in [0, epochs]. */
export function checkInitialEpoch(value: unknown, epochs: number): number {
  const initial = checkInt('initialEpoch', value ?? 0, 0);
  if (initial > epochs) {
    throw new RangeError(
      `initialEpoch is ${initial}, expected at most epochs (${epochs}): epochs is the index the run ends at, as in Keras`,
    );
  }
  return initial;
}
