import { expect } from 'vitest';
import { Arena } from '../../src/kernels/arena.js';
import { wasmModule, type WasmKernels } from '../../src/kernels/wasm.js';
import { Rng } from '../../src/index.js';

/** The kernels and a fresh arena over their memory (fails the test where wasm SIMD is missing). */
export function wasmSetup(): { k: WasmKernels; arena: Arena } {
  const m = wasmModule();
  expect(m, 'WebAssembly SIMD kernels instantiate on Node').not.toBeNull();
  return { k: m!.kernels, arena: new Arena(m!.memory) };
}

/** Copies `data` into fresh arena memory and returns its byte offset. */
export function put(arena: Arena, data: ArrayLike<number>): number {
  const off = arena.alloc(data.length);
  arena.f32(off, data.length).set(data);
  return off;
}

/** A copy of `n` floats at byte offset `off`. */
export function get(arena: Arena, off: number, n: number): Float32Array {
  return arena.f32(off, n).slice();
}

/** `n` seeded draws, uniform in [lo, hi), rounded to float32. */
export function uniformF32(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(lo, hi);
  return out;
}
