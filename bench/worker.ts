/**
 * One measurement in its own process, so that its peak memory belongs to one library alone.
 *
 *   node --import tsx bench/worker.ts <library> <cell> [--workload=W1|W2] [--threads=n] [--quick]
 *   node --import tsx bench/worker.ts scaling <cell> [--quick]
 *   node --import tsx bench/worker.ts peak
 *   node --import tsx bench/worker.ts baseline
 *
 * Libraries: rnnkit (the default kernels, `--threads` through model.useThreads), rnnkit-js,
 * tfjs-cpu, tfjs-wasm, brain.js, onnxruntime-node, onnxruntime-web (PyTorch runs in
 * torch_worker.py). The result is printed as one line that starts with RESULT_MARKER,
 * followed by JSON (libraries may print their own lines too).
 */
import { loadPeer } from './peers.js';
import { RESULT_MARKER } from './protocol.js';
import type { WorkerOutcome } from './report.js';
import {
  CELLS,
  FULL_TIMING,
  QUICK_SCALING_TIMING,
  QUICK_TIMING,
  W1,
  WORKLOADS,
  errorMessage,
  type Cell,
  type Figures,
  type Timing,
  type Workload,
} from './workload.js';

function peakRssMB(): number {
  // maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}

async function measure(
  library: string,
  cell: Cell,
  w: Workload,
  timing: Timing,
  threads: number,
): Promise<{ figures: Figures; note?: string }> {
  if (library !== 'rnnkit' && library !== 'rnnkit-js' && library !== 'rnnkit-relaxed') {
    if (threads !== 1) throw new Error(`${library} is measured on one thread only`);
    return (await loadPeer(library))(library, cell, w, timing);
  }
  const { measureRnnkit, rnnkitBackendNote } = await import('./rnnkit.js');
  return { figures: await measureRnnkit(cell, w, timing, threads), note: rnnkitBackendNote() };
}

function report(value: unknown): void {
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(value)}\n`);
}

function option(argv: string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(argv: string[]): Promise<void> {
  const positional = argv.filter((a) => !a.startsWith('--'));
  const quick = argv.includes('--quick');
  const name = option(argv, 'workload') ?? 'W1';
  const w: Workload | undefined = name in WORKLOADS ? WORKLOADS[name as 'W1'] : undefined;
  if (w === undefined) throw new Error(`unknown workload '${name}'`);
  const threads = Number(option(argv, 'threads') ?? '1');
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`bad thread count ${threads}`);
  const timing = quick ? QUICK_TIMING : FULL_TIMING;
  const [library, cellArg] = positional;

  if (library === 'baseline') {
    report({ ok: true, peakRssMB: peakRssMB() });
    return;
  }
  if (library === 'peak') {
    const { measureGemmPeak } = await import('./peak.js');
    report({ ok: true, points: measureGemmPeak() });
    return;
  }
  const cell = CELLS.find((c) => c === cellArg);
  if (cell === undefined) throw new Error(`unknown cell '${String(cellArg)}'`);

  if (library === 'scaling') {
    const { measureScaling } = await import('./rnnkit.js');
    report({
      ok: true,
      rows: await measureScaling(cell, W1, quick ? QUICK_SCALING_TIMING : FULL_TIMING),
    });
    return;
  }
  let outcome: WorkerOutcome;
  try {
    const { figures, note } = await measure(library, cell, w, timing, threads);
    outcome = { ok: true, figures, peakRssMB: peakRssMB(), ...(note ? { note } : {}) };
  } catch (err) {
    outcome = { ok: false, error: errorMessage(err) };
  }
  report(outcome);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    report({ ok: false, error: errorMessage(err) });
    process.exit(1);
  },
);
