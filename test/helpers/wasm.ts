import { expect } from 'vitest';
import { Arena } from '../../src/kernels/arena.js';
import { instantiateKernels, type WasmExports } from '../../src/kernels/wasm.js';
import { Rng } from '../../src/index.js';

/** The kernels and a fresh arena over their memory (fails the test where wasm SIMD is missing). */
export function wasmSetup(): { k: WasmExports; arena: Arena } {
  const m = instantiateKernels();
  expect(m, 'WebAssembly SIMD kernels instantiate on Node').not.toBeNull();
  return { k: m!.exports, arena: new Arena(m!.memory, m!.exports.staticEnd()) };
}

/** A view of `n` floats at byte offset `off` of the arena's memory. */
export function f32(arena: Arena, off: number, n: number): Float32Array {
  return new Float32Array(arena.memory.buffer, off, n);
}

/** Copies `data` into fresh arena memory and returns its byte offset. */
export function put(arena: Arena, data: ArrayLike<number>): number {
  const off = arena.alloc(data.length);
  f32(arena, off, data.length).set(data);
  return off;
}

/** A copy of `n` floats at byte offset `off`. */
export function get(arena: Arena, off: number, n: number): Float32Array {
  return f32(arena, off, n).slice();
}

/** `n` seeded draws, uniform in [lo, hi), rounded to float32. */
export function uniformF32(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(lo, hi);
  return out;
}
