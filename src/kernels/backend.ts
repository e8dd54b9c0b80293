import { Arena } from './arena.js';
import { wasmModule, type WasmKernels } from './wasm.js';

/**
 * Which kernels float32 models run on: WebAssembly SIMD or the TypeScript reference kernels.
 * @category Kernels
 */
export type Backend = 'wasm' | 'js';

/**
 * A backend to use, or `'auto'`: WebAssembly SIMD where it compiles, else TypeScript.
 * @category Kernels
 */
export type BackendChoice = Backend | 'auto';

/** The kernels of this thread with the arena over their memory. */
export interface WasmRuntime {
  readonly kernels: WasmKernels;
  readonly arena: Arena;
}

const CHOICES: readonly BackendChoice[] = ['auto', 'wasm', 'js'];

let choice: BackendChoice | undefined;
let runtime: WasmRuntime | null | undefined;

/**
 * Chooses the kernels for float32 models constructed from now on (a model binds to the
 * backend active at its construction and keeps it). `'auto'` (the default) and `'wasm'` use
 * WebAssembly SIMD where the platform compiles it and fall back to the TypeScript kernels
 * where it cannot (no SIMD, a Content-Security-Policy without `'wasm-unsafe-eval'`), without
 * an error: read {@link getBackend} to know. Float64 models always run the TypeScript kernels.
 * The environment variable `RNNKIT_BACKEND=js|wasm|auto` sets the starting choice in Node.
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
  if (!CHOICES.includes(backend)) {
    throw new TypeError(`backend must be 'auto', 'wasm' or 'js', got ${describe(backend)}`);
  }
  choice = backend;
}

/**
 * The backend that float32 models constructed now would use: `'wasm'` or `'js'`.
 * @example
 * ```ts
 * import { getBackend } from 'rnnkit';
 * console.log(getBackend()); // 'wasm' where WebAssembly SIMD runs, else 'js'
 * ```
 * @category Kernels
 */
export function getBackend(): Backend {
  return activeRuntime() === null ? 'js' : 'wasm';
}

/** The WebAssembly runtime when the current choice is to use it and it is available, else null. */
export function activeRuntime(): WasmRuntime | null {
  if (currentChoice() === 'js') return null;
  return wasmRuntime();
}

/** The WebAssembly runtime of this thread whatever the current choice, or null where unavailable. */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime === undefined) {
    const m = wasmModule();
    runtime = m === null ? null : { kernels: m.kernels, arena: new Arena(m.memory, m.shared) };
  }
  return runtime;
}

/** The runtime if this thread has already instantiated it (never instantiates), else null. */
export function existingRuntime(): WasmRuntime | null {
  return runtime ?? null;
}

/** The current choice, before resolving `'auto'` (for restoring it). */
export function currentChoice(): BackendChoice {
  if (choice === undefined) choice = fromEnvironment();
  return choice;
}

/** `RNNKIT_BACKEND` where a Node-like `process.env` exists; 'auto' otherwise or when unset. */
function fromEnvironment(): BackendChoice {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const value = env?.RNNKIT_BACKEND;
  if (value === undefined || value === '') return 'auto';
  if ((CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new TypeError(`RNNKIT_BACKEND must be 'auto', 'wasm' or 'js', got '${value}'`);
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}
