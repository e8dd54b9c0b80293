import type { DType } from '../tensor/dtype.js';
import { jsKernels } from './js-kernels.js';
import type { Backend, Kernels } from './kernels.js';
import { wasmCompiles, wasmFailure } from './wasm.js';
import { WasmMemory } from './wasm-memory.js';
import { wasmKernels } from './wasm-kernels.js';

export type { Backend } from './kernels.js';

/**
 * A backend to use, or `'auto'`: WebAssembly SIMD where it runs, else TypeScript.
 * @category Kernels
 */
export type BackendChoice = Backend | 'auto';

const CHOICES: readonly BackendChoice[] = ['auto', 'wasm', 'js'];

let choice: BackendChoice | undefined;

/**
 * Receives the one-time notice that the WebAssembly kernels cannot run here.
 * @category Kernels
 */
export type BackendNotice = (message: string) => void;

let notice: BackendNotice = (message) => console.warn(`rnnkit: ${message}`);
let noticed = false;

/**
 * Chooses the kernels for float32 models built from now on without a `backend` option; a model
 * keeps the kernels it was built with, whatever is chosen later. `'auto'` (the default) and
 * `'wasm'` use WebAssembly SIMD where it runs; where it cannot (no SIMD, a
 * Content-Security-Policy without `'wasm-unsafe-eval'`, memory refused) models run on the
 * TypeScript kernels, `model.backend` says `'js'`, and a one-time notice goes to the hook set
 * by {@link onBackendNotice}. Float64 models always run on the TypeScript kernels. The
 * environment variable `RNNKIT_BACKEND=js|wasm|auto` sets the starting choice in Node.
 *
 * @throws TypeError when `backend` is not `'auto'`, `'wasm'` or `'js'`.
 * @example
 * ```ts
 * import { Model, getBackend, setBackend } from 'rnnkit';
 * setBackend('js'); // models built from now on use the TypeScript kernels
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 4 });
 * console.log(getBackend(), model.parameterCount);
 * setBackend('auto');
 * ```
 * @category Kernels
 */
export function setBackend(backend: BackendChoice): void {
  choice = checkBackendChoice('backend', backend);
}

/**
 * The backend a float32 model built now without a `backend` option would run on.
 * @example
 * ```ts
 * import { getBackend } from 'rnnkit';
 * console.log(getBackend()); // 'wasm' where WebAssembly SIMD runs, else 'js'
 * ```
 * @category Kernels
 */
export function getBackend(): Backend {
  const c = currentChoice();
  return c !== 'js' && wasmCompiles() ? 'wasm' : 'js';
}

/**
 * Sets where the one-time notice goes when the WebAssembly kernels cannot run and models fall
 * back to the TypeScript kernels (default: `console.warn`, once). Pass `() => {}` to silence it.
 * @throws TypeError when `hook` is not a function.
 * @example
 * ```ts
 * import { onBackendNotice } from 'rnnkit';
 * const notices: string[] = [];
 * onBackendNotice((message) => notices.push(message)); // keep it instead of printing it
 * ```
 * @category Kernels
 */
export function onBackendNotice(hook: BackendNotice): void {
  if (typeof hook !== 'function')
    throw new TypeError(`the notice hook is ${typeof hook}, expected a function`);
  notice = hook;
}

/** The current choice, before resolving `'auto'`. */
export function currentChoice(): BackendChoice {
  if (choice === undefined) choice = fromEnvironment();
  return choice;
}

/** Validates a backend choice. @throws TypeError naming `what`. */
export function checkBackendChoice(what: string, value: unknown): BackendChoice {
  if ((CHOICES as readonly unknown[]).includes(value)) return value as BackendChoice;
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  throw new TypeError(`${what} must be 'auto', 'wasm' or 'js', got ${shown}`);
}

/**
 * New kernels with a memory of their own for one model: `requested` (else the current choice)
 * resolved for `dtype`. Float64 and `'js'` get the TypeScript kernels; otherwise the wasm
 * kernels where they run, and the TypeScript ones (with the notice) where they do not.
 */
export function createKernels(dtype: DType, requested?: BackendChoice): Kernels {
  const c = requested ?? currentChoice();
  if (dtype === 'float64' || c === 'js') return jsKernels();
  const memory = WasmMemory.create();
  if (memory !== null) return wasmKernels(memory);
  if (!noticed) {
    noticed = true;
    notice(`${wasmFailure() ?? 'WebAssembly is unavailable'}; running on the TypeScript kernels`);
  }
  return jsKernels();
}

/** `RNNKIT_BACKEND` where a Node-like `process.env` exists; 'auto' otherwise or when unset. */
function fromEnvironment(): BackendChoice {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const value = env?.RNNKIT_BACKEND;
  if (value === undefined || value === '') return 'auto';
  return checkBackendChoice('RNNKIT_BACKEND', value);
}
