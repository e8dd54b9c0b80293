/**
 * One measurement in its own process, so that its peak memory belongs to one library alone.
 *
 *   node --import tsx bench/worker.ts <library> <cell> [--quick] [--workload=<json>]
 *   node --import tsx bench/worker.ts scaling <cell> [--quick] [--workload=<json>]
 *   node --import tsx bench/worker.ts baseline
 *
 * Libraries: rnnkit-js, rnnkit-wasm, rnnkit-2threads, tfjs-cpu, tfjs-wasm, brain.js. The result is
 * printed as one line that starts with RESULT_MARKER, followed by JSON (libraries may print their
 * own lines too).
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
  errorMessage,
  type Cell,
  type Figures,
  type Timing,
  type Workload,
} from './workload.js';

/**
 * Threads of each rnnkit row. The driver picks the kernel backend of `rnnkit-js` and
 * `rnnkit-wasm` through the environment variable RNNKIT_BACKEND of this process.
 */
const RNNKIT_THREADS: Readonly<Record<string, number>> = {
  'rnnkit-js': 1,
  'rnnkit-wasm': 1,
  'rnnkit-2threads': 2,
};

function peakRssMB(): number {
  // maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}

async function measure(
  library: string,
  cell: Cell,
  w: Workload,
  timing: Timing,
): Promise<{ figures: Figures; note?: string }> {
  const threads = RNNKIT_THREADS[library];
  if (threads === undefined) return (await loadPeer(library))(library, cell, w, timing);
  const { measureRnnkit, rnnkitBackendNote } = await import('./rnnkit.js');
  return {
    figures: await measureRnnkit(cell, w, timing, threads),
    note: rnnkitBackendNote(),
  };
}

function report(value: unknown): void {
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(value)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const positional = argv.filter((a) => !a.startsWith('--'));
  const quick = argv.includes('--quick');
  const workloadArg = argv.find((a) => a.startsWith('--workload='));
  const w: Workload = workloadArg
    ? { ...W1, ...(JSON.parse(workloadArg.slice('--workload='.length)) as Partial<Workload>) }
    : W1;
  const timing = quick ? QUICK_TIMING : FULL_TIMING;
  const [library, cellArg] = positional;

  if (library === 'baseline') {
    report({ ok: true, peakRssMB: peakRssMB() });
    return;
  }
  const cell = CELLS.find((c) => c === cellArg);
  if (cell === undefined) throw new Error(`unknown cell '${String(cellArg)}'`);

  if (library === 'scaling') {
    const { measureScaling } = await import('./rnnkit.js');
    report({
      ok: true,
      rows: await measureScaling(cell, w, quick ? QUICK_SCALING_TIMING : FULL_TIMING),
    });
    return;
  }
  let outcome: WorkerOutcome;
  try {
    const { figures, note } = await measure(library, cell, w, timing);
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
