/**
 * Kernel micro-benchmark: GFLOP/s of the TypeScript gemm against the WebAssembly SIMD gemm on
 * the products of workload W1 (T=50, B=32, I=16, H=128, LSTM: G·H = 512), and the time of one
 * fused gate step (B=32, H=128) in each. One process, medians of CPU time (the machine may be
 * shared). Last, the peak of the wasm gemm on large products (peak.ts).
 *
 *   npm run bench:kernels
 */
import { Arena } from '../src/kernels/arena.js';
import { instantiateKernels } from '../src/kernels/wasm.js';
import { gemm } from '../src/tensor/gemm.js';
import { sigmoid } from '../src/tensor/ops.js';
import { Rng } from '../src/tensor/rng.js';
import { measureGemmPeak, peakVariant } from './peak.js';

const T = 50;
const B = 32;
const I = 16;
const H = 128;
const GH = 4 * H;
const TB = T * B;

const mod = instantiateKernels();
if (mod === null) throw new Error('WebAssembly SIMD is not available here');
const k = mod.exports;
const arena = new Arena(mod.memory, mod.exports.staticEnd());
const f32 = (off: number, n: number) => new Float32Array(mod.memory.buffer, off, n);
const rng = new Rng(1);

function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Milliseconds of CPU time used by this process so far (robust to other processes' load). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median CPU milliseconds per call of `f`, over `reps` timed batches after a warm-up. */
function time(f: () => void, reps = 7): number {
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

interface Product {
  name: string;
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
  prepacked?: boolean;
}

const products: Product[] = [
  { name: 'input projection X·W_ihᵀ', tA: false, tB: true, M: TB, N: GH, K: I },
  { name: 'step h·W_hhᵀ (packs W_hh)', tA: false, tB: true, M: B, N: GH, K: H },
  { name: 'step h·W_hhᵀ (prepacked)', tA: false, tB: true, M: B, N: GH, K: H, prepacked: true },
  { name: 'step back dG·W_hh', tA: false, tB: false, M: B, N: H, K: GH },
  { name: 'dW_ih += dGᵀ·X', tA: true, tB: false, M: GH, N: I, K: TB },
  { name: 'dW_hh += dGᵀ·H', tA: true, tB: false, M: GH, N: H, K: TB },
  { name: 'dX += dG·W_ih', tA: false, tB: false, M: TB, N: I, K: GH },
  { name: 'stream h·W_hhᵀ (B=1)', tA: false, tB: true, M: 1, N: GH, K: H },
];

console.log('product                      M     N     K    TS GFLOP/s  wasm GFLOP/s  speed-up');
for (const p of products) {
  const { M, N, K, tA, tB } = p;
  const a = random(M * K);
  const b = random(K * N);
  const c = new Float32Array(M * N);
  const lda = tA ? M : K;
  const ldb = tB ? K : N;
  const pa = arena.alloc(M * K);
  const pb = arena.alloc(K * N);
  const pc = arena.alloc(M * N);
  const scratch = arena.alloc(k.gemmScratch(tA, tB, M, N, K));
  const packed = arena.alloc(Math.ceil(N / 8) * 8 * K);
  f32(pa, M * K).set(a);
  f32(pb, K * N).set(b);
  k.packB(tB, K, N, pb, ldb, packed);
  const flops = 2 * M * N * K;
  const ts = time(() => gemm(tA, tB, M, N, K, a, 0, lda, b, 0, ldb, c, 0, N, true));
  const wasm = p.prepacked
    ? time(() => k.gemmPackedB(tA, M, N, K, pa, lda, packed, pc, N, true, 0, scratch))
    : time(() => k.gemm(tA, tB, M, N, K, pa, lda, pb, ldb, pc, N, true, 0, scratch));
  const row = [
    p.name.padEnd(27),
    String(M).padStart(5),
    String(N).padStart(5),
    String(K).padStart(5),
    (flops / ts / 1e6).toFixed(1).padStart(12),
    (flops / wasm / 1e6).toFixed(1).padStart(13),
    `${(ts / wasm).toFixed(1)}x`.padStart(9),
  ];
  console.log(row.join(' '));
}

// One LSTM gate step, B=32, H=128: the TypeScript loop of src/recurrent/lstm.ts against lstmForward.
const n = B * H;
const xg = random(B * GH);
const cPrev = random(n);
const cs = new Float32Array(n);
const aux = new Float32Array(n);
const hs = new Float32Array(n);
const pg = arena.alloc(B * GH);
const pcp = arena.alloc(n);
const [pcs, paux, phs] = [arena.alloc(n), arena.alloc(n), arena.alloc(n)];
f32(pcp, n).set(cPrev);
const gates = arena.alloc(B * GH);
const heap = () => new Float32Array(mod.memory.buffer);
function lstmStepTs(): void {
  const g = xg.slice(0); // the step activates in place; reuse the same pre-activations
  for (let b0 = 0; b0 < B; b0++) {
    for (let j = 0; j < H; j++) {
      const q = b0 * GH + j;
      const r = b0 * H + j;
      const i = sigmoid(g[q]);
      const f = sigmoid(g[q + H]);
      const gg = Math.tanh(g[q + 2 * H]);
      const o = sigmoid(g[q + 3 * H]);
      g[q] = i;
      g[q + H] = f;
      g[q + 2 * H] = gg;
      g[q + 3 * H] = o;
      const c = f * cPrev[r] + i * gg;
      const tc = Math.tanh(c);
      cs[r] = c;
      aux[r] = tc;
      hs[r] = o * tc;
    }
  }
}
f32(gates, B * GH).set(xg);
function lstmStepWasm(): void {
  heap().copyWithin(pg >> 2, gates >> 2, (gates >> 2) + B * GH);
  k.lstmForward(B, H, pg, GH, pcp, pcs, paux, phs);
}
const copyOnly = time(() => heap().copyWithin(pg >> 2, gates >> 2, (gates >> 2) + B * GH));
const lstmTs = time(lstmStepTs) * 1000;
const lstmWasm = (time(lstmStepWasm) - copyOnly) * 1000;
console.log(
  `\nLSTM gate step B=${B} H=${H}: TS ${lstmTs.toFixed(1)} µs, wasm ${lstmWasm.toFixed(1)} µs`,
);

const pre = random(n);
const ppre = arena.alloc(n);
f32(ppre, n).set(pre);
const rnnTs =
  time(() => {
    for (let i = 0; i < n; i++) hs[i] = Math.tanh(pre[i]);
  }) * 1000;
const rnnWasm = time(() => k.rnnForward(n, ppre, phs, false)) * 1000;
console.log(
  `RNN tanh step B=${B} H=${H}: TS ${rnnTs.toFixed(1)} µs, wasm ${rnnWasm.toFixed(1)} µs`,
);

// The peak: the best GFLOP/s of the wasm gemm over a few large products (see peak.ts).
const peak = measureGemmPeak();
const best = peak.reduce((a, b) => (b.gflops > a.gflops ? b : a));
console.log('\nwasm SIMD gemm, C = A·Bᵀ, large products (GFLOP/s, CPU time, one thread):');
for (const p of peak) {
  const name = `${p.M}x${p.N}x${p.K}${p.prepacked ? ' (B prepacked)' : ''}`;
  console.log(`  ${name.padEnd(28)} ${p.gflops.toFixed(1).padStart(6)}`);
}
console.log(
  `peak: ${best.gflops.toFixed(1)} GFLOP/s (${best.M}x${best.N}x${best.K}, ${peakVariant()} build)`,
);
