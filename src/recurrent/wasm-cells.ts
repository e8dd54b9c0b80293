import { inWasm, kernelScratch } from '../kernels/allocator.js';
import { wasmRuntime } from '../kernels/backend.js';
import type { WasmKernels } from '../kernels/wasm.js';
import type { FloatArray } from '../tensor/dtype.js';
import { isRealStep } from '../nn/padding.js';
import {
  carryInactive,
  gatherStepGrad,
  passInactive,
  zeroInactiveGates,
  type CellKernel,
  type Direction,
  accumulateWeightGrads,
} from './direction.js';
import type { GruBuffers } from './gru.js';
import type { LstmBuffers } from './lstm.js';

// The time loops of the three cells on the WebAssembly kernels: the same steps as rnn.ts,
// lstm.ts and gru.ts over the same buffers, each step's product and gate update one kernel
// call. They run when every buffer of the direction is a view into the kernels' memory (a
// float32 model built under the wasm backend); otherwise the TypeScript cell runs.

/** `cell`, with its forward and backward loops on the wasm kernels wherever they can run. */
export function onWasm<E>(cell: CellKernel<E>): CellKernel<E> {
  return {
    gates: cell.gates,
    cellState: cell.cellState,
    hiddenApart: cell.hiddenApart,
    buffers: cell.buffers,
    forward(d: Direction, own: E): void {
      if (!wasmForward(d, own)) cell.forward(d, own);
    },
    backward(d: Direction, own: E): void {
      if (!wasmBackward(d, own)) cell.backward(d, own);
    },
  };
}

/** Byte address of element `i` of a view into the kernels' memory. */
function at(a: FloatArray, i: number): number {
  return a.byteOffset + 4 * i;
}

const round8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The cell's own buffers that the wasm loops use (empty arrays where a cell has none). */
function ownBuffers(d: Direction, own: unknown): FloatArray[] {
  if (d.G === 4) return [(own as LstmBuffers).tanhC];
  if (d.G === 3) {
    const g = own as GruBuffers;
    return [g.hidden, g.whn, g.skip];
  }
  return [];
}

function wasmForward(d: Direction, own: unknown): boolean {
  const { T, B, In, H, p, x, gates, hs, cs } = d;
  const rt = wasmRuntime();
  if (rt === null || T === 0 || B === 0 || !inWasm(p, x, gates, hs, cs, ...ownBuffers(d, own))) {
    return false;
  }
  const GH = d.G * H;
  const packSize = round8(GH) * Math.max(In, H);
  const packed = kernelScratch(packSize + GH);
  if (packed < 0) return false;
  const k = rt.kernels;
  project(d, k, packed, packed + 4 * packSize);
  const W = at(p, d.w.whh);
  // Streaming (B = 1) reads W_hh as it is; larger batches pack it once for the whole loop.
  if (B > 1) k.packB(1, H, GH, W, H, packed);
  const step = (hPrev: number, out: number, acc: number, bias: number): void => {
    if (B > 1) k.gemmPackedB(0, B, GH, H, hPrev, H, packed, out, GH, acc, bias, 0);
    else k.gemm(0, 1, 1, GH, H, hPrev, H, W, H, out, GH, acc, bias, 0);
  };
  const BH = B * H;
  const bhh = d.w.bhh >= 0 ? at(p, d.w.bhh) : 0;
  for (let s = 0; s < T; s++) {
    const t = d.timeAt(s);
    const prev = d.stateBefore(t);
    const cur = d.stateAfter(t);
    const row = t * B * GH;
    if (d.G === 1) {
      step(at(hs, prev), at(gates, row), 1, 0);
      k.rnnForward(BH, at(gates, row), at(hs, cur), +d.relu);
    } else if (d.G === 4) {
      const { tanhC } = own as LstmBuffers;
      step(at(hs, prev), at(gates, row), 1, 0);
      // prettier-ignore
      k.lstmForward(B, H, at(gates, row), GH, at(cs, prev), at(cs, cur), at(tanhC, t * BH), at(hs, cur));
      carryInactive(d, t, cs, prev, cur);
    } else {
      const { hidden, whn } = own as GruBuffers;
      step(at(hs, prev), at(hidden, 0), 0, bhh);
      // prettier-ignore
      k.gruForward(B, H, at(gates, row), at(hidden, 0), GH, at(hs, prev), at(whn, t * BH), at(hs, cur));
    }
    carryInactive(d, t, hs, prev, cur);
  }
  return true;
}

/**
 * `gates = X·W_ihᵀ + b_ih (+ b_hh for RNN and LSTM)` in one product with the bias row folded
 * in; the summed biases go to `biasAt` (`G·H` floats of kernel scratch).
 */
function project(d: Direction, k: WasmKernels, packAt: number, biasAt: number): void {
  const { T, B, In, p, w, x, gates } = d;
  const GH = d.G * d.H;
  let bias = 0;
  if (w.bih >= 0 && d.cell.hiddenApart) {
    bias = at(p, w.bih);
  } else if (w.bih >= 0) {
    const sum = wasmRuntime()!.arena.f32(biasAt, GH);
    for (let j = 0; j < GH; j++) sum[j] = p[w.bih + j] + p[w.bhh + j];
    bias = biasAt;
  }
  k.gemm(0, 1, T * B, GH, In, at(x, 0), In, at(p, w.wih), In, at(gates, 0), GH, 0, bias, packAt);
}

function wasmBackward(d: Direction, own: unknown): boolean {
  const { T, B, H, p, gates, hs, cs, dGates, dGatesHidden, dh, dhNext, dcNext, dOut } = d;
  const rt = wasmRuntime();
  const buffers = [p, gates, hs, cs, dGates, dGatesHidden, dh, dhNext, dcNext, dOut];
  if (rt === null || T === 0 || B === 0 || !inWasm(...buffers, ...ownBuffers(d, own))) {
    return false;
  }
  const GH = d.G * H;
  const packed = kernelScratch(round8(H) * GH);
  if (packed < 0) return false;
  const k = rt.kernels;
  // dh_{t-1} = dG_t·W_hh: W_hh [G·H, H] is op(B) as stored; pack it once for every step.
  k.packB(0, GH, H, at(p, d.w.whh), H, packed);
  const BH = B * H;
  let pending = 0;
  for (let s = T - 1; s >= 0; s--) {
    const t = d.timeAt(s);
    const prev = d.stateBefore(t);
    const row = t * B * GH;
    gatherStepGrad(d, t);
    if (d.G === 1) {
      k.rnnBackward(BH, at(hs, d.stateAfter(t)), at(dh, 0), at(dGates, row), +d.relu);
    } else if (d.G === 4) {
      const { tanhC } = own as LstmBuffers;
      forRealRows(d, t, (b, n) => {
        const [g, u] = [row + b * GH, b * H];
        // prettier-ignore
        k.lstmBackward(n, H, at(gates, g), GH, at(cs, prev + u), at(tanhC, t * BH + u), at(dh, u), at(dcNext, u));
      });
    } else {
      const { whn, skip } = own as GruBuffers;
      forRealRows(d, t, (b, n) => {
        const [g, u] = [row + b * GH, b * H];
        // prettier-ignore
        k.gruBackward(n, H, at(gates, g), at(dGatesHidden, g), GH, at(hs, prev + u), at(whn, t * BH + u), at(dh, u), at(skip, u));
      });
    }
    zeroInactiveGates(d, t);
    k.gemmPackedB(0, B, H, GH, at(dGatesHidden, row), GH, packed, at(dhNext, 0), H, 0, 0, 0);
    if (d.G === 3) k.addInto(at(dhNext, 0), at((own as GruBuffers).skip, 0), BH);
    passInactive(d, t, dhNext, dh);
    if (++pending === GRAD_CHUNK || s === 0) {
      // The gemm below reuses the kernels' scratch, so W_hh is packed again after it.
      accumulateWeightGrads(d, d.reverse ? t - pending + 1 : t, pending);
      if (s > 0) k.packB(0, GH, H, at(p, d.w.whh), H, packed);
      pending = 0;
    }
  }
  d.gradsAccumulated = true;
  return true;
}

/** Steps of per-step gradients summed into the weight gradients at a time, while in cache. */
const GRAD_CHUNK = 32;

/** Calls `f(first, count)` for each run of consecutive sequences whose step t is real. */
function forRealRows(d: Direction, t: number, f: (first: number, count: number) => void): void {
  const { B, lengths } = d;
  let b = 0;
  while (b < B) {
    if (!isRealStep(lengths, b, t)) {
      b++;
      continue;
    }
    let e = b + 1;
    while (e < B && isRealStep(lengths, e, t)) e++;
    f(b, e - b);
    b = e;
  }
}
