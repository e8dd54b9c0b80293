import { describe, expect, it } from 'vitest';
import { gemm } from '../src/tensor/gemm.js';
import { maxError } from './helpers/compare.js';
import { f32, get, put, uniformF32, wasmSetup } from './helpers/wasm.js';

const TOL = 1e-5;

/** op(X) of shape [rows, cols] stored with leading dimension `ld` (padding filled with junk). */
function stored(seed: number, rows: number, cols: number, trans: boolean, pad: number) {
  const ld = (trans ? rows : cols) + pad;
  const data = uniformF32(seed, (trans ? cols : rows) * ld);
  return { data, ld };
}

function reference(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  a: { data: Float32Array; ld: number },
  b: { data: Float32Array; ld: number },
  c0: Float32Array,
  ldc: number,
  acc: boolean,
  bias: Float32Array | null,
): Float64Array {
  const c = Float64Array.from(c0);
  gemm(
    tA,
    tB,
    M,
    N,
    K,
    Float64Array.from(a.data),
    0,
    a.ld,
    Float64Array.from(b.data),
    0,
    b.ld,
    c,
    0,
    ldc,
    acc,
  );
  if (bias !== null)
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c[i * ldc + j] += bias[j];
  return c;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 13, 7],
  [1, 512, 128],
  [1, 37, 129],
  // One row: K with a group of four after the pairs of groups (12), and a ragged end too (13).
  [1, 4, 12],
  [1, 9, 13],
  [3, 5, 2],
  [4, 8, 4],
  [5, 9, 3],
  [7, 17, 13],
  [32, 512, 128],
  [33, 130, 19],
  [130, 16, 67],
  [64, 24, 600],
  [512, 16, 300],
  // Weight gradients: M a multiple of 8 above N, both operands packed (N not a multiple of 4).
  [40, 13, 333],
  [48, 30, 70],
];

describe('wasm gemm matches the TypeScript gemm', () => {
  for (const [M, N, K] of SHAPES) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        it(`M=${M} N=${N} K=${K} transA=${tA} transB=${tB}, with and without bias and accumulation`, () => {
          const { k, arena } = wasmSetup();
          const a = stored(1 + M, M, K, tA, 1);
          const b = stored(2 + N, K, N, tB, 2);
          const ldc = N + 3;
          const c0 = uniformF32(3, M * ldc);
          const bias = uniformF32(4, N);
          const scratch = arena.alloc(k.gemmScratch(tA, tB, M, N, K)); // the size the module states
          const pa = put(arena, a.data);
          const pb = put(arena, b.data);
          const pbias = put(arena, bias);
          for (const acc of [false, true]) {
            for (const withBias of [false, true]) {
              const pc = put(arena, c0);
              // prettier-ignore
              k.gemm(tA, tB, M, N, K, pa, a.ld, pb, b.ld, pc, ldc, acc, withBias ? pbias : 0, scratch);
              const got = get(arena, pc, c0.length);
              const want = reference(tA, tB, M, N, K, a, b, c0, ldc, acc, withBias ? bias : null);
              for (let i = 0; i < M; i++) {
                for (let j = N; j < ldc; j++) expect(got[i * ldc + j]).toBe(c0[i * ldc + j]);
              }
              expect(maxError(got, want, 'relative'), `acc=${acc} bias=${withBias}`).toBeLessThan(
                TOL,
              );
            }
          }
        });
      }
    }
  }

  it('writes no scratch beyond what gemmScratch and panelScratch state', () => {
    const { k, arena } = wasmSetup();
    const GUARD = 64;
    /** Runs `f` on scratch of `floats` floats followed by a guard; the guard must stay as it was. */
    const within = (floats: number, f: (scratch: number) => void, what: string): void => {
      const scratch = arena.alloc(floats + GUARD);
      const guard = f32(arena, scratch + 4 * floats, GUARD);
      guard.fill(-7.25);
      f(scratch);
      expect(
        guard.every((v) => v === -7.25),
        what,
      ).toBe(true);
      arena.release(scratch, floats + GUARD);
    };
    for (const [M, N, K] of SHAPES) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const a = stored(7, M, K, tA, 0);
          const b = stored(8, K, N, tB, 0);
          const [pa, pb, pc] = [put(arena, a.data), put(arena, b.data), arena.alloc(M * N)];
          const shape = `M=${M} N=${N} K=${K} tA=${tA} tB=${tB}`;
          within(
            k.gemmScratch(tA, tB, M, N, K),
            (s) => {
              k.gemm(tA, tB, M, N, K, pa, a.ld, pb, b.ld, pc, N, false, 0, s);
            },
            `gemm ${shape}`,
          );
          const packed = arena.alloc(k.packedSize(K, N));
          k.packB(tB, K, N, pb, b.ld, packed);
          within(
            k.panelScratch(),
            (s) => {
              k.gemmPackedB(tA, M, N, K, pa, a.ld, packed, pc, N, false, 0, s);
            },
            `gemmPackedB ${shape}`,
          );
        }
      }
    }
  });

  it('gemmPackedB with a packed op(B) gives the same product as gemm', () => {
    const { k, arena } = wasmSetup();
    const [M, N, K] = [9, 21, 11];
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const a = stored(5, M, K, tA, 0);
        const b = stored(6, K, N, tB, 1);
        const pa = put(arena, a.data);
        const pb = put(arena, b.data);
        const packed = arena.alloc(Math.ceil(N / 8) * 8 * K);
        const scratch = arena.alloc(k.panelScratch());
        k.packB(tB, K, N, pb, b.ld, packed);
        const pc = arena.alloc(M * N);
        k.gemmPackedB(tA, M, N, K, pa, a.ld, packed, pc, N, false, 0, scratch);
        const want = reference(tA, tB, M, N, K, a, b, new Float32Array(M * N), N, false, null);
        expect(maxError(get(arena, pc, M * N), want, 'relative')).toBeLessThan(TOL);
      }
    }
  });

  it('packBStacked packs [W1 | W2] as packB packs the joined matrix, for ragged K1, K2 and N', () => {
    const { k, arena } = wasmSetup();
    for (const [M, N, K1, K2] of [
      [32, 512, 16, 128],
      [5, 13, 3, 7],
      [9, 21, 8, 1],
      [2, 8, 1, 4],
    ]) {
      const K = K1 + K2;
      // W1 [N, K1] and W2 [N, K2] with padded rows; the joined W [N, K] is their columns side by side.
      const [ld1, ld2] = [K1 + 1, K2 + 2];
      const w1 = uniformF32(11, N * ld1);
      const w2 = uniformF32(12, N * ld2);
      const joined = new Float32Array(N * K);
      for (let j = 0; j < N; j++) {
        for (let c = 0; c < K1; c++) joined[j * K + c] = w1[j * ld1 + c];
        for (let c = 0; c < K2; c++) joined[j * K + K1 + c] = w2[j * ld2 + c];
      }
      const [p1, p2, pj] = [put(arena, w1), put(arena, w2), put(arena, joined)];
      const stacked = arena.alloc(k.packedSize(K, N));
      const plain = arena.alloc(k.packedSize(K, N));
      k.packBStacked(N, K1, p1, ld1, K2, p2, ld2, stacked);
      k.packB(true, K, N, pj, K, plain);
      const shape = `M=${M} N=${N} K1=${K1} K2=${K2}`;
      expect(Array.from(get(arena, stacked, k.packedSize(K, N))), shape).toEqual(
        Array.from(get(arena, plain, k.packedSize(K, N))),
      );
      // And the product of [A1 | A2] by it is the product by the joined matrix.
      const a = stored(13, M, K, false, 3);
      const pa = put(arena, a.data);
      const pc = arena.alloc(M * N);
      const scratch = arena.alloc(k.panelScratch());
      k.gemmPackedB(false, M, N, K, pa, a.ld, stacked, pc, N, false, 0, scratch);
      const b = { data: joined, ld: K };
      const want = reference(false, true, M, N, K, a, b, new Float32Array(M * N), N, false, null);
      expect(maxError(get(arena, pc, M * N), want, 'relative'), shape).toBeLessThan(TOL);
    }
  });
});
