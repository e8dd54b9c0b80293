/**
 * The step products of workloads W1 (T=50, I=16, H=128, B=32, LSTM) and W2 (T=100, I=64,
 * H=512, B=32) on the plain-SIMD and the relaxed-SIMD build of the kernels: GFLOP/s in CPU
 * time, one thread, one process. Relaxed SIMD needs Node 22+, or Node 20 with the flag below.
 *
 *   npm run bench:relaxed   (node --experimental-wasm-relaxed-simd)
 */
import { relaxedKernelsBase64 } from '../src/kernels/wasm-bytes-relaxed.js';
import { kernelsBase64 } from '../src/kernels/wasm-bytes-simd.js';
import { EXPORT_NAMES, type WasmExports } from '../src/kernels/wasm-exports.js';
import { decodeKernels } from '../src/kernels/wasm.js';

/** [name, M, N, K, transA, transB] of each product. */
const SHAPES: [string, number, number, number, boolean, boolean][] = [
  ['W1 step h·W_hhᵀ', 32, 512, 128, false, true],
  ['W1 projection X·W_ihᵀ', 1600, 512, 16, false, true],
  ['W1 weight gradient dGᵀ·H', 512, 128, 1600, true, false],
  ['W2 step h·W_hhᵀ', 32, 2048, 512, false, true],
  ['W2 projection X·W_ihᵀ', 3200, 2048, 64, false, true],
];

function instance(base64: string): { k: WasmExports; memory: WebAssembly.Memory } | null {
  const bytes = decodeKernels(base64);
  if (!WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: 2000, maximum: 65536 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const k = Object.fromEntries(EXPORT_NAMES.map((n) => [n, inst.exports[n]])) as unknown;
  return { k: k as WasmExports, memory };
}

function gflops(k: WasmExports, memory: WebAssembly.Memory, shape: (typeof SHAPES)[0]): number {
  const [, M, N, K, tA, tB] = shape;
  const f = new Float32Array(memory.buffer);
  for (let i = 0; i < 4 * 2 ** 20; i++) f[i] = (i % 97) / 97 - 0.5;
  const a = 64;
  const b = a + 4 * M * K + 64;
  const c = b + 4 * K * N + 64;
  const s = c + 4 * M * N + 64;
  const run = () => k.gemm(tA, tB, M, N, K, a, tA ? M : K, b, tB ? K : N, c, N, false, 0, s);
  for (let i = 0; i < 5; i++) run();
  const reps = Math.max(3, Math.round(2e9 / (2 * M * N * K)));
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) run();
  const t = process.cpuUsage(t0);
  return (2 * M * N * K * reps) / ((t.user + t.system) * 1e3);
}

const plain = instance(kernelsBase64);
const relaxed = instance(relaxedKernelsBase64);
if (plain === null) throw new Error('WebAssembly SIMD is not available here');
if (relaxed === null)
  console.log('relaxed SIMD does not validate here: run with --experimental-wasm-relaxed-simd');
console.log(
  'product                        M     N     K   SIMD GFLOP/s  relaxed GFLOP/s  speed-up',
);
for (const shape of SHAPES) {
  const p = gflops(plain.k, plain.memory, shape);
  const r = relaxed === null ? NaN : gflops(relaxed.k, relaxed.memory, shape);
  const [name, M, N, K] = shape;
  const cols = [name.padEnd(26), M, N, K].map((v) => String(v).padStart(5));
  console.log(
    cols.join(' '),
    p.toFixed(1).padStart(14),
    r.toFixed(1).padStart(16),
    `${(r / p).toFixed(2)}x`.padStart(9),
  );
}
