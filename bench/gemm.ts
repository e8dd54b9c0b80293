/**
 * Micro-benchmark of the gemm tiles: for each transpose combination, at the shapes a W1
 * training step uses (T=50, B=32, I=16, H=128, LSTM), the time of gemm with its specialised
 * tile loop against the generic strided tile. Run with `npx tsx bench/gemm.ts`.
 */
import { gemmTiles } from '../src/tensor/gemm.js';
import { Rng } from '../src/tensor/rng.js';

interface Case {
  name: string;
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
}

const [T, B, I, H] = [50, 32, 16, 128];
const GH = 4 * H;
const CASES: Case[] = [
  { name: 'NT input projection X·W_ihᵀ', transA: false, transB: true, M: T * B, N: GH, K: I },
  { name: 'NT recurrent step h·W_hhᵀ', transA: false, transB: true, M: B, N: GH, K: H },
  { name: 'NN step gradient dG·W_hh', transA: false, transB: false, M: B, N: H, K: GH },
  { name: 'NN input gradient dG·W_ih', transA: false, transB: false, M: T * B, N: I, K: GH },
  { name: 'TN weight gradient dGᵀ·H', transA: true, transB: false, M: GH, N: H, K: T * B },
  { name: 'TN weight gradient dGᵀ·X', transA: true, transB: false, M: GH, N: I, K: T * B },
];

function filled(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Median milliseconds per call over `repeats` timed runs of at least 20 ms each. */
function time(run: () => void, repeats = 9): number {
  for (let i = 0; i < 5; i++) run();
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 20) {
      run();
      calls++;
    }
    out.push((performance.now() - t0) / calls);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(repeats / 2)];
}

const rng = new Rng(1);
console.log('case'.padEnd(34), 'specialised ms', 'generic ms', 'generic/specialised');
for (const c of CASES) {
  const { M, N, K, transA, transB } = c;
  const A = filled(M * K, rng);
  const Bm = filled(K * N, rng);
  const C = new Float32Array(M * N);
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  const run = (specialised: boolean) => () =>
    gemmTiles(specialised, transA, transB, M, N, K, A, 0, lda, Bm, 0, ldb, C, 0, N, false);
  // Interleave the two so that load on the machine affects both alike.
  const spec: number[] = [];
  const gen: number[] = [];
  for (let round = 0; round < 3; round++) {
    spec.push(time(run(true)));
    gen.push(time(run(false)));
  }
  const s = Math.min(...spec);
  const g = Math.min(...gen);
  console.log(
    c.name.padEnd(34),
    s.toFixed(4).padStart(14),
    g.toFixed(4).padStart(10),
    (g / s).toFixed(2).padStart(19),
  );
}
