/**
 * Where a training step spends its time on the wasm kernels: every kernel call is timed (the
 * exports of every WebAssembly instance made after start-up are wrapped, before the model is
 * built), grouped by kernel and shape, beside the whole step; the rest is JavaScript around the
 * kernels (loss, optimizer, bookkeeping).
 *
 *   npx tsx bench/profile.ts [--workload=W1|W2] [--cell=lstm] [--steps=20] [--infer]
 *
 * Times are CPU time of this process (process.cpuUsage around each call), so other processes on
 * a shared machine do not count. The step is also timed without the per-call clock, to show
 * what the clock itself costs.
 */
import { setup } from './rnnkit.js';
import { CELLS, WORKLOADS, argValue, type Cell, type WorkloadName } from './workload.js';

interface Bucket {
  calls: number;
  ms: number;
  flop: number;
}

const option = (name: string): string | undefined => argValue(process.argv, name);

const workload = (option('workload') ?? 'W1') as WorkloadName;
const cell = (option('cell') ?? 'lstm') as Cell;
const steps = Number(option('steps') ?? '20');
const infer = process.argv.includes('--infer');
if (!(workload in WORKLOADS)) throw new Error(`unknown workload '${workload}'`);
if (!CELLS.includes(cell)) throw new Error(`unknown cell '${cell}'`);
const w = WORKLOADS[workload];

const buckets = new Map<string, Bucket>();
let recording = false;

/** CPU milliseconds this process has used (user + system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A name for one call: the kernel, and for products their transposes and M x N x K. */
function describeCall(name: string, a: number[]): { key: string; flop: number } {
  if (name === 'gemm') {
    const [tA, tB, M, N, K] = a;
    return { key: `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K}`, flop: 2 * M * N * K };
  }
  if (name === 'gemmPackedB') {
    const [tA, M, N, K] = a;
    return { key: `gemmPackedB ${tA ? 'T' : 'N'} ${M}x${N}x${K}`, flop: 2 * M * N * K };
  }
  if (name === 'packB') return { key: `packB ${a[1]}x${a[2]}`, flop: 0 };
  return { key: name, flop: 0 };
}

type Exported = (...args: number[]) => unknown;

/** `f` with every call recorded under its kernel name and shape while `recording` is set. */
function timed(name: string, f: Exported): Exported {
  return (...args: number[]): unknown => {
    if (!recording) return f(...args);
    const t0 = cpuMs();
    const r = f(...args);
    const ms = cpuMs() - t0;
    const { key, flop } = describeCall(name, args);
    const b = buckets.get(key) ?? { calls: 0, ms: 0, flop: 0 };
    b.calls++;
    b.ms += ms;
    b.flop += flop;
    buckets.set(key, b);
    return r;
  };
}

// Every WebAssembly instance made from here on (the models' kernels) exports timed functions.
// Wrapping the constructor keeps this file independent of how the library holds its instances.
const Instance = WebAssembly.Instance;
class TimedInstance extends Instance {
  constructor(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    super(module, imports);
    const wrapped: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(super.exports)) {
      wrapped[name] = typeof value === 'function' ? timed(name, value as Exported) : value;
    }
    Object.defineProperty(this, 'exports', { value: wrapped });
  }
}
WebAssembly.Instance = TimedInstance;

const { model, input, step } = setup(cell, w);
const run = infer ? (): void => void model.predict(input) : step;
for (let i = 0; i < 3; i++) run();
const u0 = cpuMs();
for (let i = 0; i < steps; i++) run();
const unclocked = (cpuMs() - u0) / steps;
recording = true;
const t0 = cpuMs();
for (let i = 0; i < steps; i++) run();
const total = (cpuMs() - t0) / steps;
recording = false;

const rows = [...buckets.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((s, [, b]) => s + b.ms, 0) / steps;
console.log(
  `${workload} ${cell} ${infer ? 'inference' : 'training step'} (T=${w.T} I=${w.I} H=${w.H} B=${w.B}): ` +
    `${total.toFixed(2)} ms of CPU time per step with the per-call clock, ` +
    `${unclocked.toFixed(2)} ms without (mean over ${steps} steps)`,
);
console.log('kernel / shape'.padEnd(36), 'calls/step', '   ms/step', '  share', ' GFLOP/s');
for (const [key, b] of rows) {
  const ms = b.ms / steps;
  const gflops = b.flop > 0 ? (b.flop / b.ms / 1e6).toFixed(1) : '-';
  console.log(
    key.padEnd(36),
    String(b.calls / steps).padStart(10),
    ms.toFixed(3).padStart(10),
    `${((100 * ms) / total).toFixed(1)}%`.padStart(7),
    gflops.padStart(8),
  );
}
const rest = total - kernelMs;
console.log(
  'outside the kernels (JS)'.padEnd(36),
  ''.padStart(10),
  rest.toFixed(3).padStart(10),
  `${((100 * rest) / total).toFixed(1)}%`.padStart(7),
);
