import { checkKeys, checkPositive, describe } from '../tensor/errors.js';

/**
 * An optimizer's state, as {@link Optimizer.stateDict} returns it: plain data that survives
 * `JSON.stringify` when the buffers are turned into arrays (`Array.from`).
 * @category Optimizers
 */
export interface OptimizerState {
  /** The optimizer it belongs to: `'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'` or `'adagrad'`. */
  name: string;
  /** Learning rate at the time of the snapshot. */
  lr: number;
  /** Updates taken so far. */
  step: number;
  /** Buffers by PyTorch's names, one value per parameter; empty before the first step. */
  state: Record<string, ArrayLike<number>>;
}

/**
 * Validates an optimizer state for an optimizer called `name` whose options use the buffers
 * `keys`: exactly those buffers after the first step, none before it, all of one length,
 * every value a finite number.
 * @throws TypeError/RangeError naming the first bad field.
 */
export function checkOptimizerState(
  value: unknown,
  name: string,
  keys: readonly string[],
): OptimizerState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `optimizer state is ${describe(value)}, expected { name, lr, step, state }`,
    );
  }
  checkKeys('optimizer state', value, ['name', 'lr', 'step', 'state']);
  const s = value as Partial<Record<keyof OptimizerState, unknown>>;
  if (s.name !== name) {
    throw new TypeError(`optimizer state is for ${describe(s.name)}, this optimizer is '${name}'`);
  }
  const lr = checkPositive('optimizer state lr', s.lr);
  const step = s.step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`optimizer state step is ${describe(step)}, expected an integer >= 0`);
  }
  const buffers = s.state;
  if (typeof buffers !== 'object' || buffers === null || Array.isArray(buffers)) {
    throw new TypeError(`optimizer state.state is ${describe(buffers)}, expected buffers by name`);
  }
  const expected = step === 0 ? [] : keys;
  const given = Object.keys(buffers);
  const extra = given.find((k) => !expected.includes(k));
  if (extra !== undefined) {
    throw new RangeError(
      `optimizer state has an unexpected buffer '${extra}': ${name} at step ${step} with these options holds ${list(expected)}`,
    );
  }
  const missing = expected.find((k) => !given.includes(k));
  if (missing !== undefined) {
    throw new RangeError(
      `optimizer state is missing the buffer '${missing}' (${name} holds ${list(expected)})`,
    );
  }
  let length = -1;
  for (const key of expected) {
    const buf: unknown = (buffers as Record<string, unknown>)[key];
    length = checkBuffer(key, buf, length);
  }
  return { name, lr, step, state: buffers as Record<string, ArrayLike<number>> };
}

function checkBuffer(key: string, buf: unknown, length: number): number {
  const ok = buf instanceof Float64Array || buf instanceof Float32Array || Array.isArray(buf);
  if (!ok) {
    throw new TypeError(
      `optimizer state buffer '${key}' is ${describe(buf)}, expected an array of numbers`,
    );
  }
  const values = buf as ArrayLike<unknown>;
  if (length >= 0 && values.length !== length) {
    throw new RangeError(
      `optimizer state buffer '${key}' has ${values.length} values, the others have ${length}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(
        `optimizer state buffer '${key}' has ${describe(v)} at ${i}, expected finite numbers`,
      );
    }
  }
  return values.length;
}

function list(keys: readonly string[]): string {
  return keys.length === 0 ? 'no buffers' : keys.map((k) => `'${k}'`).join(', ');
}
