import { inWasm, kernelScratch } from '../kernels/allocator.js';
import { wasmRuntime } from '../kernels/backend.js';
import type { WasmKernels } from '../kernels/wasm.js';
import type { FloatArray } from '../tensor/dtype.js';
import {
  carryInactive,
  gatherStepGrad,
  passInactive,
  zeroInactiveGates,
  type Direction,
} from './direction.js';

// The time loops of the three cells on the WebAssembly kernels: the same steps as rnn.ts,
// lstm.ts and gru.ts over the same buffers, with each step's product and gate update done by
// one kernel call. They run only when every buffer of the direction is a view into the
// kernels' memory (a float32 model built under the wasm backend); otherwise the TypeScript
// cells run.

/** Byte address of element `i` of a view into the kernels' memory. */
function at(a: FloatArray, i: number): number {
  return a.byteOffset + 4 * i;
}

const round8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Runs the direction's forward time loop on wasm; false (nothing done) when it cannot. */
export function wasmForward(d: Direction): boolean {
  const { T, B, In, H, p, x, xg, hs, cs, aux, scratch } = d;
  const rt = wasmRuntime();
  if (rt === null || T === 0 || B === 0 || !inWasm(p, x, xg, hs, cs, aux, scratch)) return false;
  const GH = d.G * H;
  const packed = kernelScratch(round8(GH) * Math.max(In, H));
  if (packed < 0) return false;
  const k = rt.kernels;
  project(d, k, packed);
  const W = at(p, d.w.whh);
  // Streaming (B = 1) reads W_hh as it is; larger batches pack it once for the whole loop.
  if (B > 1) k.packB(1, H, GH, W, H, packed);
  const step = (hPrev: number, c: number, acc: number, bias: number): void => {
    if (B > 1) k.gemmPackedB(0, B, GH, H, hPrev, H, packed, c, GH, acc, bias, 0);
    else k.gemm(0, 1, 1, GH, H, hPrev, H, W, H, c, GH, acc, bias, 0);
  };
  const BH = B * H;
  const bhh = d.w.bhh >= 0 ? at(p, d.w.bhh) : 0;
  for (let s = 0; s < T; s++) {
    const t = d.reverse ? T - 1 - s : s;
    const prev = (d.reverse ? t + 2 : t) * BH;
    const cur = (t + 1) * BH;
    const z = t * B * GH;
    if (d.G === 1) {
      step(at(hs, prev), at(xg, z), 1, 0);
      k.rnnForward(BH, at(xg, z), at(hs, cur), +d.relu);
    } else if (d.G === 4) {
      step(at(hs, prev), at(xg, z), 1, 0);
      k.lstmForward(B, H, at(xg, z), GH, at(cs, prev), at(cs, cur), at(aux, t * BH), at(hs, cur));
      carryInactive(d, t, cs, prev, cur);
    } else {
      step(at(hs, prev), at(scratch, 0), 0, bhh);
      k.gruForward(B, H, at(xg, z), at(scratch, 0), GH, at(hs, prev), at(aux, t * BH), at(hs, cur));
    }
    carryInactive(d, t, hs, prev, cur);
  }
  return true;
}

/**
 * `xg = X·W_ihᵀ + b_ih (+ b_hh for RNN and LSTM)` in one product with the bias row folded in
 * (the summed biases go to the first `G·H` floats of `scratch`, unused by those cells' loops).
 */
function project(d: Direction, k: WasmKernels, packScratch: number): void {
  const { T, B, In, p, w, x, xg, scratch } = d;
  const GH = d.G * d.H;
  let bias = 0;
  if (w.bih >= 0 && d.G === 3) {
    bias = at(p, w.bih);
  } else if (w.bih >= 0) {
    for (let j = 0; j < GH; j++) scratch[j] = p[w.bih + j] + p[w.bhh + j];
    bias = at(scratch, 0);
  }
  k.gemm(0, 1, T * B, GH, In, at(x, 0), In, at(p, w.wih), In, at(xg, 0), GH, 0, bias, packScratch);
}

/** Runs the direction's backward time loop on wasm; false (nothing done) when it cannot. */
export function wasmBackward(d: Direction): boolean {
  const { T, B, H, p, xg, hs, cs, aux, dgIh, dgHh, dh, dhNext, dc, dcNext, dOut } = d;
  const rt = wasmRuntime();
  const buffers = [p, xg, hs, cs, aux, dgIh, dgHh, dh, dhNext, dc, dcNext, dOut];
  if (rt === null || T === 0 || B === 0 || !inWasm(...buffers)) return false;
  const GH = d.G * H;
  const packed = kernelScratch(round8(H) * GH);
  if (packed < 0) return false;
  const k = rt.kernels;
  // dh_{t-1} = dG_t·W_hh: W_hh [G·H, H] is op(B) as stored; pack it once for every step.
  k.packB(0, GH, H, at(p, d.w.whh), H, packed);
  const BH = B * H;
  for (let s = T - 1; s >= 0; s--) {
    const t = d.reverse ? T - 1 - s : s;
    const prev = (d.reverse ? t + 2 : t) * BH;
    const z = t * B * GH;
    gatherStepGrad(d, t);
    let gates = dgIh;
    if (d.G === 1) {
      k.rnnBackward(BH, at(hs, (t + 1) * BH), at(dh, 0), at(dgIh, z), +d.relu);
    } else {
      forActiveRows(d, t, (b, rows) => {
        const g = z + b * GH;
        const r = b * H;
        if (d.G === 4) {
          // prettier-ignore
          k.lstmBackward(rows, H, at(xg, g), GH, at(cs, prev + r), at(aux, t * BH + r), at(dh, r), at(dcNext, r));
        } else {
          // prettier-ignore
          k.gruBackward(rows, H, at(xg, g), at(dgHh, g), GH, at(hs, prev + r), at(aux, t * BH + r), at(dh, r), at(dc, r));
        }
      });
      if (d.G === 3) gates = dgHh;
    }
    zeroInactiveGates(d, t);
    k.gemmPackedB(0, B, H, GH, at(gates, z), GH, packed, at(dhNext, 0), H, 0, 0, 0);
    if (d.G === 3) k.addInto(at(dhNext, 0), at(dc, 0), BH); // + z⊙dh, which skips the gates
    passInactive(d, t, dhNext, dh);
  }
  return true;
}

/** Calls `f(first, count)` for each run of consecutive sequences still running at time t. */
function forActiveRows(d: Direction, t: number, f: (first: number, count: number) => void): void {
  const { B, lengths } = d;
  if (lengths === null) {
    f(0, B);
    return;
  }
  let b = 0;
  while (b < B) {
    if (t >= lengths[b]) {
      b++;
      continue;
    }
    let e = b + 1;
    while (e < B && t < lengths[e]) e++;
    f(b, e - b);
    b = e;
  }
}
