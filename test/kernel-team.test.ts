import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelTeam, MIN_SHARED_PRODUCT, MIN_SHARED_ROWS } from '../src/kernels/team.js';
import { ROW_KERNELS, ROW_KERNEL_NAMES, type RowKernel } from '../src/kernels/row-kernels.js';
import { WasmMemory } from '../src/kernels/wasm-memory.js';
import { uniformF32 } from './helpers/wasm.js';
import type { WasmExports } from '../src/kernels/wasm.js';

// Products shared among worker threads on one shared memory give the one-thread result bit for
// bit, on every path the kernel takes (one row, weight gradients, strips in place or packed).

/** The first index where the two differ, or -1. */
function firstDifference(x: Uint32Array, y: Uint32Array): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** [transA, transB, M, N, K, acc, bias] */
type Case = [boolean, boolean, number, number, number, boolean, boolean];
const CASES: Case[] = [
  [false, true, 32, 512, 128, false, true], // a forward step: h·W_hhᵀ + bias
  [false, false, 32, 128, 512, false, false], // a backward step: dG·W_hh
  [false, true, 1600, 512, 16, false, true], // the input projection
  [true, false, 512, 128, 1600, true, false], // dW_hh = dGᵀ·H (weight gradient, cut along M)
  [true, false, 512, 16, 1600, true, false], // dW_ih, a narrow weight gradient
  [true, false, 24, 20, 4000, true, false], // a weight gradient cut along N
  [false, true, 1, 2048, 512, false, true], // a streaming step (one row, dot products)
  [false, false, 1, 1000, 300, true, false], // one row, a sum of B's rows
  [false, false, 37, 9, 1000, false, false], // fewer strips than threads: cut along M
  [true, true, 45, 77, 131, true, true], // both transposed, packed strips
  [false, false, 6, 12, 3000, false, false], // M too small to cut along M: cut along N
];

describe.each([1, 2, 3])('a kernel team with %i worker thread(s)', (workers) => {
  let memory: WasmMemory;
  let team: KernelTeam;
  beforeAll(async () => {
    const m = WasmMemory.create(true);
    if (m === null || !m.shared) throw new Error('no shared WebAssembly memory on Node');
    memory = m;
    team = await KernelTeam.start(memory, memory.instance, workers);
  });
  afterAll(async () => {
    await team.close();
  });

  it.each(CASES)('gemm tA=%s tB=%s %ix%ix%i acc=%s bias=%s', (tA, tB, M, N, K, acc, bias) => {
    expect(M * N * K).toBeGreaterThanOrEqual(MIN_SHARED_PRODUCT);
    const k = memory.instance.exports;
    const lda = (tA ? M : K) + 3;
    const ldb = (tB ? K : N) + 1;
    const ldc = N + 2;
    const a = memory.alloc('float32', (tA ? K : M) * lda);
    const b = memory.alloc('float32', (tB ? N : K) * ldb);
    const bs = memory.alloc('float32', N);
    a.a.set(uniformF32(1, a.length));
    b.a.set(uniformF32(2, b.length));
    bs.a.set(uniformF32(3, N));
    const c0 = uniformF32(4, M * ldc);
    const run = (share: boolean): Uint32Array => {
      const c = memory.alloc('float32', M * ldc);
      c.a.set(c0);
      const scratch = memory.scratch(k.gemmScratch(tA, tB, M, N, K));
      const args = [tA, tB, M, N, K, a.address, lda, b.address, ldb, c.address, ldc] as const;
      const bias0 = bias ? bs.address : 0;
      if (share) team.gemm(k, ...args, acc, bias0, scratch);
      else k.gemm(...args, acc, bias0, scratch);
      const bits = new Uint32Array(c.a.buffer, c.address, c.length).slice();
      memory.release(c);
      return bits;
    };
    const alone = run(false);
    const shared = run(true);
    expect(firstDifference(shared, alone)).toBe(-1);
    expect(alone.some((x) => x !== 0)).toBe(true);
    memory.release(a);
    memory.release(b);
    memory.release(bs);
  });

  it('gemmPackedB over a packed W_hh, as the forward loop runs it', () => {
    const k = memory.instance.exports;
    const [B, GH, H] = [32, 512, 128];
    const w = memory.alloc('float32', GH * H);
    const h = memory.alloc('float32', B * H);
    w.a.set(uniformF32(5, w.length));
    h.a.set(uniformF32(6, h.length));
    const size = k.packedSize(H, GH);
    const packed = memory.scratch(size + k.panelScratch());
    const panel = packed + 4 * size;
    k.packB(true, H, GH, w.address, H, packed);
    const out = [memory.alloc('float32', B * GH), memory.alloc('float32', B * GH)];
    k.gemmPackedB(false, B, GH, H, h.address, H, packed, out[0].address, GH, false, 0, panel);
    team.gemmPackedB(k, false, B, GH, H, h.address, H, packed, out[1].address, GH, false, 0, panel);
    const bits = out.map((o) => new Uint32Array(o.a.buffer, o.address, o.length).slice());
    expect(firstDifference(bits[1], bits[0])).toBe(-1);
  });

  it('takes the steps of a loop by batch rows (byRows) as one thread makes them, bit for bit', () => {
    // 37 rows (the threads' shares start at multiples of four; the last takes the rest) of
    // n = 130 floats; more calls a step than a job holds; calls that do not cover the batch
    // row by row (a count of fewer rows, a product with A transposed) and a kernel that is not
    // a row kernel wait for the batch's calls before them and run in their order.
    const [rows, n, N] = [37, 130, 64];
    const k = memory.instance.exports;
    const packSize = k.packedSize(n, N);
    const weights = memory.alloc('float32', n * N);
    weights.a.set(uniformF32(21, weights.length, -0.1, 0.1));
    const packed = memory.scratch(packSize + 2 * k.panelScratch());
    const panel = packed + 4 * packSize;
    k.packB(false, n, N, weights.address, N, packed);
    const run = (kk: WasmExports, byRows: (f: () => void) => void): Uint32Array[] => {
      const x = memory.alloc('float32', rows * n);
      const y = memory.alloc('float32', rows * n);
      const g = memory.alloc('float32', rows * N);
      const h = memory.alloc('float32', rows * N);
      const sums = memory.alloc('float32', N);
      const wg = memory.alloc('float32', N * N);
      x.a.set(uniformF32(22, x.length));
      y.a.set(uniformF32(23, y.length));
      h.a.fill(0);
      sums.a.fill(0);
      wg.a.fill(0);
      byRows(() => {
        for (let step = 0; step < 3; step++) {
          kk.copyRows(rows, N, y.address, n, h.address, N);
          for (let i = 0; i < 5; i++) kk.addRows(rows, n, x.address, n, x.address, n, y.address, n);
          kk.gemmPackedB(false, rows, N, n, x.address, n, packed, g.address, N, false, 0, panel);
          kk.rnnForward(rows * N, g.address, h.address, false);
          kk.addInto(h.address, g.address, rows * N);
          kk.addColumnSums(sums.address, h.address, rows, N, N);
          kk.copyRows(rows - 1, 8, x.address, n, h.address, N);
          kk.gemm(
            true,
            false,
            N,
            N,
            rows,
            g.address,
            N,
            h.address,
            N,
            wg.address,
            N,
            true,
            0,
            panel,
          );
          memory.postRows();
        }
      });
      const bufs = [x, y, g, h, sums, wg];
      const bits = bufs.map((b) => new Uint32Array(b.a.buffer, b.address, b.length).slice());
      for (const b of bufs) memory.release(b);
      return bits;
    };
    const alone = run(k, (f) => f());
    memory.useTeam(team);
    const before = team.batchedCalls;
    let shared: Uint32Array[];
    try {
      shared = run(memory.exports, (f) => memory.byRows(rows, 1 << 20, f));
    } finally {
      memory.useTeam(null);
    }
    // 3 steps of 9 calls dealt out by rows (a copy, five sums, the product, tanh, addInto).
    expect(team.batchedCalls - before).toBe(27);
    alone.forEach((bits, i) => expect(firstDifference(shared[i], bits), `buffer ${i}`).toBe(-1));
    memory.release(weights);
  });

  it.each(ROW_KERNEL_NAMES)('%s dealt out by rows writes what one thread writes', (name) => {
    const k = memory.instance.exports;
    // 67 rows (odd, so shares differ) of H = 130 (not a multiple of four); gate rows of ldg.
    const [rows, H] = [67, 130];
    const ldg = 4 * H + 3;
    const n = rows * H;
    const buffers: ReturnType<WasmMemory['alloc']>[][] = [[], []];
    const args = (copy: number): number[] =>
      ARGUMENTS[name].map((kind, j) => {
        if (kind === 'rows') return rows;
        if (kind === 'n') return n;
        if (kind === 'H') return H;
        if (kind === 'ldg') return ldg;
        if (kind === 'flag') return 0;
        const length = kind === 'G' ? rows * ldg : n;
        const buf = memory.alloc('float32', length);
        buf.a.set(uniformF32(10 * j + 7, length, -2, 2));
        buffers[copy].push(buf);
        return buf.address;
      });
    const one = args(0);
    const two = args(1);
    expect(one[0] * ROW_KERNELS[name].width(one)).toBeGreaterThanOrEqual(MIN_SHARED_ROWS);
    (k[name] as (...a: number[]) => void)(...one);
    team.rows(k, name as RowKernel, two);
    buffers[0].forEach((b, i) => {
      const c = buffers[1][i];
      const x = new Uint32Array(b.a.buffer, b.address, b.length).slice();
      const y = new Uint32Array(c.a.buffer, c.address, c.length).slice();
      expect(firstDifference(y, x), `buffer ${i}`).toBe(-1);
    });
    for (const list of buffers) for (const b of list) memory.release(b);
  });
});

/**
 * Each row kernel's arguments as assembly/cells.ts declares them: row and element counts, H,
 * the gate row stride, flags, and pointers to gate rows (`G`, `[rows, ldg]`), states (`S`,
 * `[rows, H]`) or elements (`E`, n).
 */
const ARGUMENTS: Record<RowKernel, readonly string[]> = {
  lstmForward: ['rows', 'H', 'G', 'ldg', 'S', 'S', 'S', 'S'],
  lstmBackward: ['rows', 'H', 'G', 'ldg', 'S', 'S', 'S', 'S'],
  gruForward: ['rows', 'H', 'G', 'G', 'ldg', 'S', 'S', 'S'],
  gruBackward: ['rows', 'H', 'G', 'G', 'ldg', 'S', 'S', 'S', 'S'],
  rnnForward: ['n', 'E', 'E', 'flag'],
  rnnBackward: ['n', 'E', 'E', 'E', 'flag'],
};
