import { describe, expect, it } from 'vitest';
import { sigmoid } from '../src/tensor/ops.js';
import { maxError } from './helpers/compare.js';
import { get, put, uniformF32, wasmSetup } from './helpers/wasm.js';

const TOL = 2e-6;
const SIZES: [number, number][] = [
  [1, 1],
  [1, 5],
  [3, 7],
  [2, 13],
  [4, 128],
];

/** The wasm sigmoid and tanh of every element of `x`. */
function activations(x: ArrayLike<number>): { s: Float32Array; t: Float32Array } {
  const { k, arena } = wasmSetup();
  const n = x.length;
  const px = put(arena, x);
  const out = arena.alloc(n);
  k.sigmoidInto(out, px, n);
  const s = get(arena, out, n);
  k.tanhInto(out, px, n);
  return { s, t: get(arena, out, n) };
}

describe('wasm activations and sums match the TypeScript reference', () => {
  it('sigmoid and tanh over [-30, 30], to float32 precision', () => {
    const n = 10_003;
    const x = uniformF32(1, n, -30, 30);
    for (let i = 0; i < 200; i++) x[i] = (i - 100) * 1e-3; // near zero, where tanh ~ x
    x[200] = 0;
    x[201] = -0;
    x[202] = 100;
    x[203] = -100;
    const { s, t } = activations(x);
    for (let i = 0; i < n; i++) {
      const ws = sigmoid(x[i]);
      const wt = Math.tanh(x[i]);
      expect(Math.abs(s[i] - ws), `sigmoid(${x[i]})`).toBeLessThanOrEqual(4e-7 * ws + 1e-30);
      expect(Math.abs(t[i] - wt), `tanh(${x[i]})`).toBeLessThanOrEqual(4e-7 * Math.abs(wt));
    }
  });

  it('sigmoid and tanh on a dense sweep of [-12, 12] stay within 4e-7 relative, tanh in [-1, 1]', () => {
    const n = 240_001;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = (i - 120_000) * 1e-4;
    const { s, t } = activations(x);
    let worstS = 0;
    let worstT = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      worstS = Math.max(worstS, Math.abs(s[i] - sigmoid(x[i])) / sigmoid(x[i]));
      const wt = Math.tanh(x[i]);
      if (wt !== 0) worstT = Math.max(worstT, Math.abs(t[i] - wt) / Math.abs(wt));
      if (Math.abs(t[i]) > 1) outside++;
    }
    expect(worstS).toBeLessThan(4e-7);
    expect(worstT).toBeLessThan(4e-7);
    expect(outside, 'tanh values outside [-1, 1]').toBe(0);
  });

  it('sigmoid and tanh carry NaN through and saturate at the infinities', () => {
    const { s, t } = activations([NaN, Infinity, -Infinity, NaN, 1]);
    expect([s[0], s[1], s[3], s[4]]).toEqual([NaN, 1, NaN, Math.fround(sigmoid(1))]);
    expect(s[2]).toBeGreaterThanOrEqual(0);
    expect(s[2]).toBeLessThan(1e-38);
    expect(Array.from(t.subarray(0, 4))).toEqual([NaN, 1, -1, NaN]);
  });

  it('column sums over awkward widths, added into the output', () => {
    const { k, arena } = wasmSetup();
    for (const [rows, cols] of [
      [1, 1],
      [3, 5],
      [7, 17],
      [50, 38],
      [1600, 512],
    ]) {
      const lda = cols + 2;
      const a = uniformF32(rows, rows * lda);
      const out0 = uniformF32(cols, cols);
      const pa = put(arena, a);
      const po = put(arena, out0);
      k.addColumnSums(po, pa, rows, cols, lda);
      const want = Float64Array.from(out0);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c] += a[r * lda + c];
      expect(maxError(get(arena, po, cols), want, 'relative'), `${rows}x${cols}`).toBeLessThan(
        1e-5,
      );
    }
  });

  it('copyRows copies strided rows of awkward widths and leaves the gaps alone', () => {
    const { k, arena } = wasmSetup();
    for (const [rows, n] of [
      [1, 1],
      [3, 5],
      [7, 13],
    ]) {
      const [lds, ldd] = [n + 2, n + 3];
      const src = uniformF32(rows, rows * lds);
      const dst0 = uniformF32(rows + 1, rows * ldd);
      const pd = put(arena, dst0);
      k.copyRows(rows, n, pd, ldd, put(arena, src), lds);
      const want = Array.from(dst0);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < n; j++) want[r * ldd + j] = src[r * lds + j];
      expect(Array.from(get(arena, pd, rows * ldd))).toEqual(want);
    }
  });

  it('addInto adds element by element', () => {
    const { k, arena } = wasmSetup();
    for (const n of [1, 3, 4, 9, 130]) {
      const a = uniformF32(n, n);
      const b = uniformF32(n + 1, n);
      const pa = put(arena, a);
      k.addInto(pa, put(arena, b), n);
      expect(Array.from(get(arena, pa, n))).toEqual(Array.from(a, (v, i) => Math.fround(v + b[i])));
    }
  });
});

describe('wasm fused gate steps match the TypeScript cell equations', () => {
  for (const [rows, H] of SIZES) {
    it(`RNN forward and backward, tanh and relu, rows=${rows} H=${H}`, () => {
      const { k, arena } = wasmSetup();
      const n = rows * H;
      const pre = uniformF32(1, n, -3, 3);
      const dh = uniformF32(2, n);
      for (const relu of [false, true]) {
        const h = arena.alloc(n);
        k.rnnForward(n, put(arena, pre), h, relu);
        const hv = get(arena, h, n);
        const want = Array.from(pre, (v) => (relu ? Math.max(v, 0) : Math.tanh(v)));
        expect(maxError(hv, want, 'relative')).toBeLessThan(TOL);
        const dg = arena.alloc(n);
        k.rnnBackward(n, h, put(arena, dh), dg, relu);
        const wantDg = Array.from(hv, (v, i) => (relu ? (v > 0 ? dh[i] : 0) : dh[i] * (1 - v * v)));
        expect(maxError(get(arena, dg, n), wantDg, 'relative')).toBeLessThan(TOL);
      }
    });

    it(`LSTM forward and backward, rows=${rows} H=${H}`, () => {
      const { k, arena } = wasmSetup();
      const ldg = 4 * H + 3;
      const g = uniformF32(3, rows * ldg, -4, 4);
      const cPrev = uniformF32(4, rows * H, -2, 2);
      const dh = uniformF32(5, rows * H);
      const dc = uniformF32(6, rows * H);
      const [pg, pcp, pdh, pdc] = [
        put(arena, g),
        put(arena, cPrev),
        put(arena, dh),
        put(arena, dc),
      ];
      const [pc, ptc, ph] = [arena.alloc(rows * H), arena.alloc(rows * H), arena.alloc(rows * H)];
      k.lstmForward(rows, H, pg, ldg, pcp, pc, ptc, ph);
      const act = get(arena, pg, g.length);
      const c = get(arena, pc, rows * H);
      const tc = get(arena, ptc, rows * H);
      const h = get(arena, ph, rows * H);
      k.lstmBackward(rows, H, pg, ldg, pcp, ptc, pdh, pdc);
      const grads = get(arena, pg, g.length);
      const dcOut = get(arena, pdc, rows * H);
      const want = {
        act: Float64Array.from(g),
        grads: Float64Array.from(g),
        c: [] as number[],
        tc: [] as number[],
        h: [] as number[],
        dc: [] as number[],
      };
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < H; j++) {
          const q = b * ldg + j;
          const r = b * H + j;
          const i = sigmoid(g[q]);
          const f = sigmoid(g[q + H]);
          const gg = Math.tanh(g[q + 2 * H]);
          const o = sigmoid(g[q + 3 * H]);
          [want.act[q], want.act[q + H], want.act[q + 2 * H], want.act[q + 3 * H]] = [i, f, gg, o];
          const cv = f * cPrev[r] + i * gg;
          const t = Math.tanh(cv);
          want.c.push(cv);
          want.tc.push(t);
          want.h.push(o * t);
          const d = dc[r] + dh[r] * o * (1 - t * t);
          want.grads[q] = d * gg * i * (1 - i);
          want.grads[q + H] = d * cPrev[r] * f * (1 - f);
          want.grads[q + 2 * H] = d * i * (1 - gg * gg);
          want.grads[q + 3 * H] = dh[r] * t * o * (1 - o);
          want.dc.push(d * f);
        }
      }
      expect(maxError(act, want.act, 'relative')).toBeLessThan(TOL);
      expect(maxError(c, want.c, 'relative')).toBeLessThan(TOL);
      expect(maxError(tc, want.tc, 'relative')).toBeLessThan(TOL);
      expect(maxError(h, want.h, 'relative')).toBeLessThan(TOL);
      expect(maxError(grads, want.grads, 'relative')).toBeLessThan(TOL);
      expect(maxError(dcOut, want.dc, 'relative')).toBeLessThan(TOL);
    });

    it(`GRU forward and backward, rows=${rows} H=${H}`, () => {
      const { k, arena } = wasmSetup();
      const ldg = 3 * H + 1;
      const x = uniformF32(7, rows * ldg, -3, 3);
      const hp = uniformF32(8, rows * ldg, -3, 3);
      const hPrev = uniformF32(9, rows * H);
      const dh = uniformF32(10, rows * H);
      const [px, php, phPrev, pdh] = [
        put(arena, x),
        put(arena, hp),
        put(arena, hPrev),
        put(arena, dh),
      ];
      const [phn, ph] = [arena.alloc(rows * H), arena.alloc(rows * H)];
      k.gruForward(rows, H, px, php, ldg, phPrev, phn, ph);
      const act = get(arena, px, x.length);
      const hn = get(arena, phn, rows * H);
      const h = get(arena, ph, rows * H);
      const pgh = put(arena, new Float32Array(x.length));
      const pdirect = arena.alloc(rows * H);
      k.gruBackward(rows, H, px, pgh, ldg, phPrev, phn, pdh, pdirect);
      const gIn = get(arena, px, x.length);
      const gHid = get(arena, pgh, x.length);
      const direct = get(arena, pdirect, rows * H);
      const wantAct = Float64Array.from(x);
      const wantIn = Float64Array.from(x);
      const wantHid = new Float64Array(x.length);
      const wantH: number[] = [];
      const wantHn: number[] = [];
      const wantDirect: number[] = [];
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < H; j++) {
          const q = b * ldg + j;
          const r = b * H + j;
          const rg = sigmoid(x[q] + hp[q]);
          const zg = sigmoid(x[q + H] + hp[q + H]);
          const hnv = hp[q + 2 * H];
          const n = Math.tanh(x[q + 2 * H] + rg * hnv);
          [wantAct[q], wantAct[q + H], wantAct[q + 2 * H]] = [rg, zg, n];
          wantHn.push(hnv);
          wantH.push((1 - zg) * n + zg * hPrev[r]);
          const dn = dh[r] * (1 - zg) * (1 - n * n);
          const dz = dh[r] * (hPrev[r] - n) * zg * (1 - zg);
          const dr = dn * hnv * rg * (1 - rg);
          [wantIn[q], wantIn[q + H], wantIn[q + 2 * H]] = [dr, dz, dn];
          [wantHid[q], wantHid[q + H], wantHid[q + 2 * H]] = [dr, dz, dn * rg];
          wantDirect.push(dh[r] * zg);
        }
      }
      expect(maxError(act, wantAct, 'relative')).toBeLessThan(TOL);
      expect(maxError(hn, wantHn, 'relative')).toBeLessThan(TOL);
      expect(maxError(h, wantH, 'relative')).toBeLessThan(TOL);
      expect(maxError(gIn, wantIn, 'relative')).toBeLessThan(TOL);
      expect(maxError(gHid, wantHid, 'relative')).toBeLessThan(TOL);
      expect(maxError(direct, wantDirect, 'relative')).toBeLessThan(TOL);
    });
  }
});
