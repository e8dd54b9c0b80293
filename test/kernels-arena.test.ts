import { describe, expect, it } from 'vitest';
import { Arena } from '../src/kernels/arena.js';
import { WasmMemory } from '../src/kernels/wasm-memory.js';
import { f32 } from './helpers/wasm.js';

describe('Arena', () => {
  it('hands out aligned, non-zero, disjoint ranges', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 16);
    const a = arena.alloc(3);
    const b = arena.alloc(5);
    expect(a).toBeGreaterThan(0);
    expect(a % 16).toBe(0);
    expect(b % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 16);
  });

  it('keeps contents across growth (a plain memory detaches the views taken before)', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const arena = new Arena(memory, 16);
    const a = arena.alloc(4);
    const before = f32(arena, a, 4);
    before.set([1, 2, 3, 4]);
    arena.alloc(200_000); // more than the first page: the memory grows
    expect(memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(before.length).toBe(0); // the old view is detached
    expect(Array.from(f32(arena, a, 4))).toEqual([1, 2, 3, 4]);
  });

  it('reuses released ranges and merges free neighbours', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 16);
    const a = arena.alloc(8);
    const b = arena.alloc(8);
    const c = arena.alloc(8);
    arena.alloc(4); // keeps the top above c
    arena.release(a, 8);
    arena.release(b, 8);
    expect(arena.alloc(16)).toBe(a); // a and b merged
    arena.release(c, 8);
    expect(arena.alloc(8)).toBe(c);
  });

  it('lowers the top when the last range is released', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 16);
    const a = arena.alloc(8);
    const b = arena.alloc(8);
    arena.release(b, 8);
    arena.release(a, 8);
    expect(arena.alloc(100)).toBe(a);
  });

  it('throws a RangeError, changing nothing, when the memory cannot grow', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const arena = new Arena(memory, 16);
    const a = arena.alloc(10_000);
    expect(() => arena.alloc(10_000)).toThrow(RangeError);
    expect(memory.buffer.byteLength).toBe(65536);
    arena.release(a, 10_000);
    expect(arena.alloc(10_000)).toBe(a);
  });

  it('grows a shared memory in place: earlier views stay valid', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true });
    const arena = new Arena(memory, 16);
    const early = f32(arena, arena.alloc(4), 4);
    early.set([5, 6, 7, 8]);
    arena.alloc(100_000);
    expect(memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(Array.from(early)).toEqual([5, 6, 7, 8]);
  });
});

describe('Arena start', () => {
  it('refuses a start that is not a multiple of 16 from 16 up', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    expect(() => new Arena(memory, 0)).toThrow(RangeError);
    expect(() => new Arena(memory, 24)).toThrow(/multiple of 16 from 16, not 24/);
  });

  it("a model memory's buffers lie above the kernels' constants: filling them leaves the kernels right", () => {
    const m = WasmMemory.create(false);
    expect(m).not.toBeNull();
    const k = m!.exports;
    const buffers = [1, 3, 8, 64].map((n) => m!.alloc('float32', n));
    for (const b of buffers) {
      expect(b.address).toBeGreaterThanOrEqual(k.staticEnd());
      b.a.fill(1e30);
    }
    const x = m!.alloc('float32', 8);
    const y = m!.alloc('float32', 8);
    x.a.set([0, 1, -1, 2, -2, 4, -4, 30]);
    k.sigmoidInto(y.address, x.address, 8);
    for (let i = 0; i < 8; i++) expect(y.a[i]).toBeCloseTo(1 / (1 + Math.exp(-x.a[i])), 6);
    m!.dispose();
  });
});
