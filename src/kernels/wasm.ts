// The plain build first, then the relaxed one: in a bundle they stay side by side.
import { kernelsBase64 } from './wasm-bytes-simd.js';
import { relaxedKernelsBase64 } from './wasm-bytes-relaxed.js';
import { EXPORT_NAMES, type WasmExports } from './wasm-exports.js';

export type { WasmExports } from './wasm-exports.js';

/** One instance of the kernels module and the memory it works in. */
export interface WasmInstance {
  readonly exports: WasmExports;
  readonly memory: WebAssembly.Memory;
  /** Whether the memory is shared: growing it then never detaches views taken before. */
  readonly shared: boolean;
  /** The compiled module (for threads that instantiate it on the same shared memory). */
  readonly module: WebAssembly.Module;
}

/** Pages (64 KiB) of a new memory, and the most any memory may grow to (2 GiB). */
const INITIAL_PAGES = 16;
const MAXIMUM_PAGES = 32768;

/** The compiled module for a shared and for a plain memory, or null where it cannot compile. */
const compiled: { shared?: WebAssembly.Module | null; plain?: WebAssembly.Module | null } = {};

/** Why the module cannot be had, once known (for the notice). */
let failure: string | null = null;

/** Which build compiled: relaxed SIMD where the platform validates it, else plain SIMD. */
export type WasmVariant = 'relaxed-simd' | 'simd';

let variant: WasmVariant | null = null;

/** The build the kernels run (once compiled), or null before or where none compiles. */
export function wasmVariant(): WasmVariant | null {
  compiledModule(false);
  return variant;
}

/**
 * A new instance of the kernels with a memory of its own: shared where SharedArrayBuffer and
 * shared WebAssembly memories exist (unless `shared` is false), else a plain growable memory.
 * Null where the module cannot run at all (no WebAssembly, no SIMD, a Content-Security-Policy
 * that forbids compiling, memory refused); {@link wasmFailure} then says why.
 */
export function instantiateKernels(shared = true): WasmInstance | null {
  if (shared && typeof SharedArrayBuffer === 'function') {
    const instance = tryInstantiate(true);
    if (instance !== null) return instance;
  }
  return tryInstantiate(false);
}

/** A new instance over a shared memory, or null where shared memories cannot be made. */
export function instantiateShared(): WasmInstance | null {
  return typeof SharedArrayBuffer === 'function' ? tryInstantiate(true) : null;
}

/** Whether the kernels module compiles here (for a plain memory, which every platform has). */
export function wasmCompiles(): boolean {
  return compiledModule(false) !== null;
}

/** Why {@link instantiateKernels} returned null, or null when it has not failed. */
export function wasmFailure(): string | null {
  return failure;
}

function tryInstantiate(shared: boolean): WasmInstance | null {
  const module = compiledModule(shared);
  if (module === null) return null;
  try {
    const memory = new WebAssembly.Memory({
      initial: INITIAL_PAGES,
      maximum: MAXIMUM_PAGES,
      shared,
    });
    if (shared && !(memory.buffer instanceof SharedArrayBuffer)) return null;
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return { exports: exportsOf(instance), memory, shared, module };
  } catch (e) {
    if (!shared) failure = `the WebAssembly kernels could not be instantiated: ${String(e)}`;
    return null;
  }
}

/** The instance's functions, checked against the generated list of names. */
function exportsOf(instance: WebAssembly.Instance): WasmExports {
  const out: Partial<Record<keyof WasmExports, unknown>> = {};
  for (const name of EXPORT_NAMES) {
    const f = instance.exports[name];
    if (typeof f !== 'function') throw new Error(`the kernels module exports no function ${name}`);
    out[name] = f;
  }
  return out as WasmExports;
}

function compiledModule(shared: boolean): WebAssembly.Module | null {
  const key = shared ? 'shared' : 'plain';
  const known = compiled[key];
  if (known !== undefined) return known;
  let module: WebAssembly.Module | null = null;
  try {
    if (typeof WebAssembly !== 'object') throw new Error('WebAssembly is not available');
    let bytes = decodeKernels(relaxedKernelsBase64);
    variant = 'relaxed-simd';
    if (!WebAssembly.validate(bytes)) {
      bytes = decodeKernels(kernelsBase64);
      variant = 'simd';
    }
    if (shared && !shareMemoryImport(bytes)) throw new Error('the module imports no memory');
    if (!WebAssembly.validate(bytes)) throw new Error('the module does not validate (no SIMD?)');
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    variant = null;
    if (!shared) failure = `the WebAssembly kernels could not be compiled: ${String(e)}`;
  }
  compiled[key] = module;
  return module;
}

/**
 * Marks the module's memory import (`env.memory`, limits with a maximum) as shared, in place:
 * its limits flag goes from 0x01 to 0x03. False when the module has no such import.
 */
function shareMemoryImport(bytes: Uint8Array): boolean {
  let pos = 8; // magic and version
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    if (id !== 2) {
      pos = pos + size;
      continue;
    }
    for (let n = leb(); n > 0; n--) {
      const moduleName = leb();
      pos += moduleName;
      const fieldName = leb();
      pos += fieldName;
      const kind = bytes[pos++];
      if (kind === 2 && bytes[pos] === 0x01) {
        bytes[pos] = 0x03;
        return true;
      }
      if (kind !== 2) return false; // only the memory is imported
      pos += 1;
      leb();
      leb();
    }
    return false;
  }
  return false;
}

/**
 * The bytes of a kernels module from its generated text: base64 pieces joined by '.', one per
 * function body (scripts/build-kernels.mjs cuts them so that gzip finds the functions the two
 * builds share), decoded one by one and concatenated.
 */
export function decodeKernels(text: string): Uint8Array<ArrayBuffer> {
  const binary = text
    .split('.')
    .map((piece) => atob(piece))
    .join('');
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
