import { describe, expect, it } from 'vitest';
import { Arena } from '../src/kernels/arena.js';

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

  it('keeps contents across growth and re-derives views from the new buffer', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const arena = new Arena(memory);
    const a = arena.alloc(4);
    const before = arena.f32(a, 4);
    before.set([1, 2, 3, 4]);
    arena.alloc(200_000); // more than the first page: the memory grows
    expect(memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(before.length).toBe(0); // the old view is detached
    expect(Array.from(arena.f32(a, 4))).toEqual([1, 2, 3, 4]);
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

  it('returns -1 instead of growing a memory that may not grow', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const arena = new Arena(memory, false);
    expect(arena.alloc(10_000)).toBeGreaterThan(0);
    expect(arena.alloc(10_000)).toBe(-1);
    expect(memory.buffer.byteLength).toBe(65536);
  });

  it('recognises views into its memory at every size it has had', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true });
    const arena = new Arena(memory);
    const early = arena.f32(arena.alloc(4), 4);
    arena.alloc(100_000); // grows: a shared memory keeps earlier views valid
    const late = arena.f32(arena.alloc(4), 4);
    expect(arena.owns(early)).toBe(true);
    expect(arena.owns(late)).toBe(true);
    expect(early.length).toBe(4);
    expect(arena.owns(new Float32Array(4))).toBe(false);
  });
});
