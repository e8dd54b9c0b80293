import type { WasmExports } from '../kernels/wasm.js';
import type { WasmMemory } from '../kernels/wasm-memory.js';
import { isRealStep } from '../nn/padding.js';
import { accumulateWeightGrads, type Direction } from './direction.js';
import { carryInactive, gatherStepGrad, passInactive, zeroInactiveGates } from './steps.js';

// The time loops every cell shares on the WebAssembly kernels: the pre-activations of each
// step (one product of [x_t | h_{t-1}] by the stacked weights for batches, or the input
// projection of all steps and a product by W_hh a step), the padding rules and the chunked
// weight gradients. A cell's wasm step (its file) supplies the gate update of one step.

/** What a cell's wasm forward step gets: the kernels, and the product `out (+)= h·W_hhᵀ (+ bias)`. */
export interface WasmStepContext {
  readonly k: WasmExports;
  /**
   * `out = (acc ? out : 0) + h·W_hhᵀ + bias` for the `B` rows at byte address `h` into `out`;
   * only for a cell that keeps `b_hh` apart (the loop writes the others' whole pre-activations).
   */
  product(h: number, out: number, acc: boolean, bias: number): void;
}

/** A cell's gate update of step `t`, from the states at `prev` to `cur`; its gate rows start at `row`. */
type WasmStep = (c: WasmStepContext, t: number, prev: number, cur: number, row: number) => void;

/**
 * The forward loop: for each step in the direction's order, writes the gate pre-activations
 * `x_t·W_ihᵀ + h_{t-1}·W_hhᵀ + b_ih + b_hh` over the step's gate rows (a cell that keeps `b_hh`
 * apart gets `x_t·W_ihᵀ + b_ih` there and its own hidden product), calls
 * `step(c, t, prev, cur, row)` with the state offsets and the step's first gate row, and carries
 * finished sequences' states.
 */
export function wasmForward(d: Direction, m: WasmMemory, step: WasmStep): void {
  if (d.T === 0 || d.B === 0) return;
  if (d.B > 1 && !d.cell.hiddenApart) stackedForward(d, m, step);
  else projectedForward(d, m, step);
}

/**
 * Runs `f` for every step in the direction's order, then carries finished sequences' states.
 * The steps' kernel calls work on the batch row by row, so a team of threads takes each step
 * by rows, each thread going on to its next step without waiting for the others
 * (`m.byRows`; `work`: the multiply-adds of a step).
 */
function eachStep(
  d: Direction,
  m: WasmMemory,
  work: number,
  f: (t: number, prev: number, cur: number, row: number) => void,
): void {
  const GH = d.G * d.H;
  m.byRows(d.B, work, () => {
    for (let s = 0; s < d.T; s++) {
      const t = d.timeAt(s);
      const prev = d.stateBefore(t);
      const cur = d.stateAfter(t);
      f(t, prev, cur, t * d.B * GH);
      m.postRows();
      if (d.lengths === null) continue;
      m.settle();
      carryInactive(d, t, d.hs, prev, cur);
      if (d.cell.cellState) carryInactive(d, t, d.cs, prev, cur);
    }
  });
}

/**
 * Batches with the bias summed: one product a step, `[x_t | h_{t-1}]·[W_ih | W_hh]ᵀ + b`, with
 * K = In + H and the stacked weights packed once. The rows of `[x_t | h_{t-1}]` are copied
 * into scratch each step (B·(In+H) floats, small beside the product).
 */
function stackedForward(d: Direction, m: WasmMemory, step: WasmStep): void {
  const { B, In, H, p, w } = d;
  const k = m.exports;
  const GH = d.G * H;
  const K = In + H;
  // Scratch: the summed bias (whole vectors), the packed weights, a panel, the joined rows.
  const biasFloats = (GH + 3) & ~3;
  const packSize = k.packedSize(K, GH);
  const biasAt = m.scratch(biasFloats + packSize + k.panelScratch() + B * K);
  const packed = biasAt + 4 * biasFloats;
  const panel = packed + 4 * packSize;
  const rows = panel + 4 * k.panelScratch();
  const bias = w.bih >= 0 ? sumBiases(d, m, biasAt) : 0;
  k.packBStacked(GH, In, p.at(w.wih), In, H, p.at(w.whh), H, packed);
  const c = noHiddenProduct(k);
  eachStep(d, m, B * GH * K, (t, prev, cur, row) => {
    k.copyRows(B, In, rows, K, d.x.at(t * B * In), In);
    k.copyRows(B, H, rows + 4 * In, K, d.hs.at(prev), H);
    k.gemmPackedB(false, B, GH, K, rows, K, packed, d.gates.at(row), GH, false, bias, panel);
    step(c, t, prev, cur, row);
  });
}

/**
 * Streaming (B = 1) and cells that keep `b_hh` apart: every step's input projection in one
 * product (bias folded, plus `b_hh` unless the cell keeps it apart), then one product of
 * `h_{t-1}` by `W_hh` a step, added to it or, for those cells, left to the step.
 */
function projectedForward(d: Direction, m: WasmMemory, step: WasmStep): void {
  const { B, In, H } = d;
  const k = m.exports;
  const GH = d.G * H;
  // Scratch: a summed bias (G·H floats, rounded up to whole vectors), then the projection's
  // scratch, where the loop then keeps W_hh packed and a panel of h.
  const biasFloats = (GH + 3) & ~3;
  const packSize = k.packedSize(H, GH);
  const work = Math.max(k.gemmScratch(false, true, d.T * B, GH, In), packSize + k.panelScratch());
  const biasAt = m.scratch(biasFloats + work);
  const packed = biasAt + 4 * biasFloats;
  const panel = packed + 4 * packSize;
  project(d, m, packed, biasAt);
  const W = d.p.at(d.w.whh);
  // Streaming (B = 1) reads W_hh as it is; larger batches pack it once for the whole loop.
  if (B > 1) k.packB(true, H, GH, W, H, packed);
  const product = (h: number, out: number, acc: boolean, bias: number): void => {
    if (B > 1) k.gemmPackedB(false, B, GH, H, h, H, packed, out, GH, acc, bias, panel);
    else k.gemm(false, true, 1, GH, H, h, H, W, H, out, GH, acc, bias, 0);
  };
  const apart = d.cell.hiddenApart;
  const c: WasmStepContext = apart ? { k, product } : noHiddenProduct(k);
  eachStep(d, m, B * GH * H, (t, prev, cur, row) => {
    if (!apart) product(d.hs.at(prev), d.gates.at(row), true, 0);
    step(c, t, prev, cur, row);
  });
}

/** The step context of a cell whose pre-activations the loop writes whole. */
function noHiddenProduct(k: WasmExports): WasmStepContext {
  return {
    k,
    product() {
      throw new Error("the forward loop writes this cell's hidden product itself");
    },
  };
}

/** `b_ih + b_hh` into `G·H` floats at byte address `at`; returns `at`. */
function sumBiases(d: Direction, m: WasmMemory, at: number): number {
  const GH = d.G * d.H;
  const v = d.p.a;
  const sum = new Float32Array(m.instance.memory.buffer, at, GH);
  for (let j = 0; j < GH; j++) sum[j] = v[d.w.bih + j] + v[d.w.bhh + j];
  return at;
}

/**
 * `gates = X·W_ihᵀ + b_ih (+ b_hh unless the cell keeps it apart)` in one product with the
 * bias row folded in; a summed bias goes to `biasAt` (`G·H` floats of scratch).
 */
function project(d: Direction, m: WasmMemory, scratch: number, biasAt: number): void {
  const { T, B, In, p, w } = d;
  const k = m.exports;
  const GH = d.G * d.H;
  let bias = 0;
  if (w.bih >= 0) bias = d.cell.hiddenApart ? p.at(w.bih) : sumBiases(d, m, biasAt);
  // prettier-ignore
  k.gemm(false, true, T * B, GH, In, d.x.at(0), In, p.at(w.wih), In, d.gates.at(0), GH, false, bias, scratch);
}

/**
 * The backward loop: for each step from the last, gathers dL/dh, calls `step(t, prev, row)` for
 * the gate gradients, sends `dGatesHidden·W_hh` to the step before (then `after(t)`, e.g. a
 * term that skips the gates), and every {@link GRAD_CHUNK} steps adds the weight gradients
 * while those rows are in cache.
 */
export function wasmBackward(
  d: Direction,
  m: WasmMemory,
  step: (k: WasmExports, t: number, prev: number, row: number) => void,
  after?: (k: WasmExports) => void,
): void {
  const { T, B, H } = d;
  if (T === 0 || B === 0) return;
  const k = m.exports;
  const GH = d.G * H;
  const packSize = k.packedSize(GH, H);
  let packed = 0;
  let panel = 0;
  // dh_{t-1} = dG_t·W_hh: W_hh [G·H, H] is op(B) as stored; pack it once for every step. The
  // weight-gradient products take the same scratch and may move it to a larger block (the old
  // one goes back to the arena, where a worker thread's scratch may land), so each packing asks
  // for the scratch's current address.
  const pack = (): void => {
    packed = m.scratch(packSize + k.panelScratch());
    panel = packed + 4 * packSize;
    k.packB(false, GH, H, d.p.at(d.w.whh), H, packed);
  };
  pack();
  let pending = 0;
  const loop = (): void => {
    for (let s = T - 1; s >= 0; s--) {
      const t = d.timeAt(s);
      const row = t * B * GH;
      gatherStepGradOn(k, d, t);
      step(k, t, d.stateBefore(t), row);
      zeroInactiveGates(d, t);
      // prettier-ignore
      k.gemmPackedB(false, B, H, GH, d.dGatesHidden.at(row), GH, packed, d.dhNext.at(0), H, false, 0, panel);
      after?.(k);
      m.postRows();
      passInactive(d, t, d.dhNext, d.dh);
      if (++pending === GRAD_CHUNK || s === 0) {
        m.settle();
        // The products below reuse the scratch, so W_hh is packed again after them.
        accumulateWeightGrads(d, d.reverse ? t - pending + 1 : t, pending);
        if (s > 0) pack();
        pending = 0;
      }
    }
  };
  // A team of threads takes each step by batch rows where every step is real and no trace
  // reads the step gradients (the padding rules and the trace work on memory from here).
  if (d.lengths === null && d.stepGradNorms === null) m.byRows(B, B * GH * H, loop);
  else loop();
  d.gradsAccumulated = true;
}

/**
 * `dh = dhNext + dOut[t]` in one kernel call when every sequence is real at every step and no
 * trace records the step norms; otherwise {@link gatherStepGrad}'s rules for padding apply.
 */
function gatherStepGradOn(k: WasmExports, d: Direction, t: number): void {
  if (d.lengths !== null || d.stepGradNorms !== null) {
    gatherStepGrad(d, t);
    return;
  }
  const { B, H, ldo, outCol } = d;
  k.addRows(B, H, d.dh.at(0), H, d.dhNext.at(0), H, d.dOut.at(t * B * ldo + outCol), ldo);
}

/** Steps of per-step gradients summed into the weight gradients at a time, while in cache. */
const GRAD_CHUNK = 32;

/** Calls `f(first, count)` for each run of consecutive sequences whose step t is real. */
export function forRealRows(
  d: Direction,
  t: number,
  f: (first: number, count: number) => void,
): void {
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
