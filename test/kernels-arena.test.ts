import { describe, expect, it } from 'vitest';
import { Arena } from '../src/kernels/arena.js';
import { f32 } from './helpers/wasm.js';

describe('Arena', () => {
  it('hands out aligned, non-zero, disjoint ranges', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }));
    const a = arena.alloc(3);
    const b = arena.alloc(5);
    expect(a).toBeGreaterThan(0);
    expect(a % 16).toBe(0);
    expect(b % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 16);
  });

  it('keeps contents across growth (a plain memory detaches the views taken before)', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const arena = new Arena(memory);
    const a = arena.alloc(4);
    const before = f32(arena, a, 4);
    before.set([1, 2, 3, 4]);
    arena.alloc(200_000); // more than the first page: the memory grows
    expect(memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(before.length).toBe(0); // the old view is detached
    expect(Array.from(f32(arena, a, 4))).toEqual([1, 2, 3, 4]);
  });

  it('reuses released ranges and merges free neighbours', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }));
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
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }));
    const a = arena.alloc(8);
    const b = arena.alloc(8);
    arena.release(b, 8);
    arena.release(a, 8);
    expect(arena.alloc(100)).toBe(a);
  });

  it('throws a RangeError, changing nothing, when the memory cannot grow', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const arena = new Arena(memory);
    const a = arena.alloc(10_000);
    expect(() => arena.alloc(10_000)).toThrow(RangeError);
    expect(memory.buffer.byteLength).toBe(65536);
    arena.release(a, 10_000);
    expect(arena.alloc(10_000)).toBe(a);
  });

  it('grows a shared memory in place: earlier views stay valid', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true });
    const arena = new Arena(memory);
    const early = f32(arena, arena.alloc(4), 4);
    early.set([5, 6, 7, 8]);
    arena.alloc(100_000);
    expect(memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(Array.from(early)).toEqual([5, 6, 7, 8]);
  });
});
