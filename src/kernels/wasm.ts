import { kernelsBase64 } from './wasm-bytes.js';

/**
 * The exports of the f32 SIMD kernels module (src/kernels/assembly/). Pointers are byte
 * offsets into the module's memory, sizes are element counts, flags are 0 or 1. Nothing is
 * checked: callers pass valid, 4-byte-aligned ranges.
 */
export interface WasmKernels {
  /** `C = op(A)·op(B)` (+ C when `acc`, + `bias[0..N)` per row when `bias` is not 0); `scratch`: `(ceil(N/8)*8 + ceil(M/4)*4)*K + M*N` floats. */
  gemm(
    transA: number,
    transB: number,
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    acc: number,
    bias: number,
    scratch: number,
  ): void;
  /** Packs op(B) `[K, N]` into strips of eight columns (`ceil(N/8)*8*K` floats at `dst`). */
  packB(transB: number, K: number, N: number, b: number, ldb: number, dst: number): void;
  /** `gemm` with op(B) packed by `packB` at `pb`. */
  gemmPackedB(
    transA: number,
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    pb: number,
    c: number,
    ldc: number,
    acc: number,
    bias: number,
    scratch: number,
  ): void;
  addColumnSums(out: number, a: number, rows: number, cols: number, lda: number): void;
  addInto(dst: number, src: number, n: number): void;
  copyRows(rows: number, n: number, dst: number, ldd: number, src: number, lds: number): void;
  sigmoidInto(dst: number, src: number, n: number): void;
  tanhInto(dst: number, src: number, n: number): void;
  rnnForward(n: number, pre: number, h: number, relu: number): void;
  rnnBackward(n: number, h: number, dh: number, dg: number, relu: number): void;
  lstmForward(
    rows: number,
    H: number,
    g: number,
    ldg: number,
    cPrev: number,
    c: number,
    tc: number,
    h: number,
  ): void;
  lstmBackward(
    rows: number,
    H: number,
    g: number,
    ldg: number,
    cPrev: number,
    tc: number,
    dh: number,
    dc: number,
  ): void;
  gruForward(
    rows: number,
    H: number,
    x: number,
    hp: number,
    ldg: number,
    hPrev: number,
    hn: number,
    h: number,
  ): void;
  gruBackward(
    rows: number,
    H: number,
    g: number,
    gh: number,
    ldg: number,
    hPrev: number,
    hn: number,
    dh: number,
    direct: number,
  ): void;
}

const NAMES: readonly (keyof WasmKernels)[] = [
  'gemm',
  'packB',
  'gemmPackedB',
  'addColumnSums',
  'addInto',
  'copyRows',
  'sigmoidInto',
  'tanhInto',
  'rnnForward',
  'rnnBackward',
  'lstmForward',
  'lstmBackward',
  'gruForward',
  'gruBackward',
];

/** The instantiated kernels and the one memory they work in. */
export interface WasmModule {
  readonly kernels: WasmKernels;
  readonly memory: WebAssembly.Memory;
  /**
   * Whether the memory is shared: growing it then never detaches existing views. A plain
   * memory (where SharedArrayBuffer is unavailable, e.g. a page without cross-origin
   * isolation) is given its full size up front and never grows.
   */
  readonly shared: boolean;
}

/** Pages of a shared memory at the start, and its maximum (2 GiB). */
const SHARED_INITIAL = 16;
const SHARED_MAXIMUM = 32768;
/** Pages of a plain memory, which never grows (32 MiB). */
const PLAIN_PAGES = 512;

let cached: WasmModule | null | undefined;

/**
 * The kernels module of this thread, instantiated on first use (synchronously), or null where
 * it cannot run: no WebAssembly, no SIMD, or a Content-Security-Policy that forbids compiling.
 * Never throws; every worker thread gets its own instance and memory.
 */
export function wasmModule(): WasmModule | null {
  if (cached === undefined) cached = instantiate(true) ?? instantiate(false);
  return cached;
}

function instantiate(shared: boolean): WasmModule | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = decodeBase64(kernelsBase64);
    if (shared && !shareMemoryImport(bytes)) return null;
    if (!WebAssembly.validate(bytes)) return null; // no SIMD (or no shared memory)
    const memory = shared
      ? new WebAssembly.Memory({ initial: SHARED_INITIAL, maximum: SHARED_MAXIMUM, shared })
      : new WebAssembly.Memory({ initial: PLAIN_PAGES, maximum: PLAIN_PAGES });
    if (shared && !(memory.buffer instanceof SharedArrayBuffer)) return null;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    const kernels: Record<string, unknown> = {};
    for (const name of NAMES) {
      const f = instance.exports[name];
      if (typeof f !== 'function') return null;
      kernels[name] = f;
    }
    return { kernels: kernels as unknown as WasmKernels, memory, shared };
  } catch {
    return null;
  }
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

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
