import type { Model } from '../model/model.js';
import { dropoutModeOf } from '../model/dropout-mode.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LrSchedule } from './schedule.js';

/**
 * Copies of what a training call may change (the weights, the optimizer state, the schedule's
 * state and the dropout generator); the function returned puts them back. For calls that
 * either complete or change nothing. Allocates one copy of the weights and of the optimizer state.
 */
export function undoPoint(
  model: Model,
  optimizer: Optimizer | undefined,
  schedule?: LrSchedule,
): () => void {
  const values = model.params.values.slice();
  const opt = typeof optimizer?.stateDict === 'function' ? optimizer.stateDict() : null;
  const sched = typeof schedule?.stateDict === 'function' ? schedule.stateDict() : null;
  const mode = dropoutModeOf(model);
  const generator = mode?.generator ?? null;
  // The parts that cannot fail first; a caller's optimizer or schedule last.
  return () => {
    model.params.values.set(values);
    if (generator !== null && mode !== null) mode.generator = generator;
    if (opt !== null) optimizer?.loadStateDict(opt);
    if (sched !== null) schedule?.loadStateDict?.(sched);
  };
}

/** Runs `f`; when it throws, calls `undo`, then rethrows `f`'s error. */
export function orUndo<T>(undo: () => void, f: () => T): T {
  try {
    return f();
  } catch (e) {
    undoQuietly(undo);
    throw e;
  }
}

/** Calls `undo`; an error of its own (a caller's optimizer refusing its state) must not hide the first. */
export function undoQuietly(undo: () => void): void {
  try {
    undo();
  } catch {
    // The error being thrown is the one that explains the failure.
  }
}
