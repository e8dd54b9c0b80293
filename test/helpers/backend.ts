import { afterEach, beforeEach, expect } from 'vitest';
import { currentChoice } from '../../src/kernels/backend.js';
import { setBackend, type Backend, type Model } from '../../src/index.js';

/** Both backends, for suites that run every case under each. */
export const BACKENDS: readonly Backend[] = ['js', 'wasm'];

/** Runs `f` with `backend` chosen, then restores the previous choice. */
export function withBackend<R>(backend: Backend, f: () => R): R {
  const before = currentChoice();
  setBackend(backend);
  try {
    return f();
  } finally {
    setBackend(before);
  }
}

/** Asserts the model runs on the wasm kernels exactly when it is float32 and built under wasm. */
export function expectBoundTo(model: Model, backend: Backend): void {
  const wasm = backend === 'wasm' && model.params.dtype === 'float32';
  expect(model.backend, 'the kernels the model was built with').toBe(wasm ? 'wasm' : 'js');
}

/** Inside a `describe`: every test of the block runs with `backend` chosen (restored after). */
export function useBackend(backend: Backend): void {
  let before = currentChoice();
  beforeEach(() => {
    before = currentChoice();
    setBackend(backend);
  });
  afterEach(() => setBackend(before));
}

/** `values × BACKENDS`, for `describe.each`. */
export function byBackend<T>(values: readonly T[]): [T, Backend][] {
  return values.flatMap((v) => BACKENDS.map((b): [T, Backend] => [v, b]));
}
