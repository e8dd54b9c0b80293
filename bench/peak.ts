/**
 * The machine's measured WebAssembly SIMD gemm peak: the best GFLOP/s (CPU time, one thread)
 * of the wasm gemm over a few large float32 products, B prepacked or not. A training step's
 * FLOP rate is reported as a fraction of it.
 */
import { Arena } from '../src/kernels/arena.js';
import { instantiateKernels, wasmVariant } from '../src/kernels/wasm.js';
import { Rng } from '../src/tensor/rng.js';
import type { Cell, Workload } from './workload.js';

/** Milliseconds of CPU time used by this process so far. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median CPU milliseconds per call of `f`, over `reps` timed batches of at least 20 ms. */
export function cpuTime(f: () => void, reps = 7): number {
  let n = 1;
  for (let start = cpuMs(); cpuMs() - start < 20; n *= 2) for (let i = 0; i < n; i++) f();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = cpuMs();
    for (let i = 0; i < n; i++) f();
    samples.push((cpuMs() - start) / n);
  }
  return samples.sort((a, b) => a - b)[reps >> 1];
}

/** One product timed for the peak. */
export interface PeakPoint {
  M: number;
  N: number;
  K: number;
  prepacked: boolean;
  gflops: number;
}

/** The shapes tried: square-ish products, and W2's step and input-projection products. */
const SHAPES: readonly [number, number, number][] = [
  [256, 512, 512],
  [512, 512, 512],
  [32, 2048, 512],
  [3200, 2048, 64],
];

/** Which kernels build the peak is measured on (relaxed SIMD where it validates). */
export function peakVariant(): string {
  return wasmVariant() ?? 'none';
}

/** GFLOP/s of C = A·Bᵀ for every shape, B packed per call and prepacked. */
export function measureGemmPeak(): PeakPoint[] {
  const mod = instantiateKernels();
  if (mod === null) throw new Error('WebAssembly SIMD is not available here');
  const k = mod.exports;
  const arena = new Arena(mod.memory, mod.exports.staticEnd());
  const f32 = (off: number, n: number): Float32Array => new Float32Array(mod.memory.buffer, off, n);
  const rng = new Rng(1);
  const points: PeakPoint[] = [];
  for (const [M, N, K] of SHAPES) {
    const pa = arena.alloc(M * K);
    const pb = arena.alloc(K * N);
    const pc = arena.alloc(M * N);
    const scratchSize = k.gemmScratch(false, true, M, N, K);
    const scratch = arena.alloc(scratchSize);
    const packed = arena.alloc(Math.ceil(N / 8) * 8 * K);
    const a = f32(pa, M * K);
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
    const b = f32(pb, K * N);
    for (let i = 0; i < b.length; i++) b[i] = rng.uniform(-1, 1);
    k.packB(true, K, N, pb, K, packed);
    const flop = 2 * M * N * K;
    const plain = cpuTime(() =>
      k.gemm(false, true, M, N, K, pa, K, pb, K, pc, N, true, 0, scratch),
    );
    const pre = cpuTime(() =>
      k.gemmPackedB(false, M, N, K, pa, K, packed, pc, N, true, 0, scratch),
    );
    points.push({ M, N, K, prepacked: false, gflops: flop / plain / 1e6 });
    points.push({ M, N, K, prepacked: true, gflops: flop / pre / 1e6 });
    for (const [p, n] of [
      [pa, M * K],
      [pb, K * N],
      [pc, M * N],
      [scratch, scratchSize],
      [packed, Math.ceil(N / 8) * 8 * K],
    ] as const)
      arena.release(p, n);
  }
  return points;
}

/** Gate blocks of each cell. */
const GATES: Readonly<Record<Cell, number>> = { rnn: 1, lstm: 4, gru: 3 };

/**
 * The gemm FLOPs of one training sequence (forward, backward, not counting the gradient with
 * respect to the input, which a one-layer model does not need): input projection and recurrent
 * product forward, the recurrent product and both weight gradients backward, and the head
 * (forward, its input gradient and its weight gradient).
 */
export function trainFlopsPerSequence(cell: Cell, w: Workload): number {
  const GH = GATES[cell] * w.H;
  const forward = 2 * w.T * GH * (w.I + w.H);
  const backward = 2 * w.T * GH * (w.I + 2 * w.H);
  return forward + backward + 6 * w.T * w.H * w.O;
}
