/**
 * `npm run bench [-- --quick] [-- --libs=rnnkit,pytorch] [-- --cells=lstm] [-- --workloads=W1]
 *   [-- --threads=1,2] [-- --rounds=2] [-- --scaling]`
 *
 * Measures workloads W1 and W2 (see workload.ts) for each (library, cell, thread count) in its
 * own child process, so that each peak-memory figure belongs to one library alone. rnnkit and
 * PyTorch run on 1, 2 and os.availableParallelism() threads; the peers on one. Prints the
 * figures (wall and CPU time), rnnkit's one-thread CPU-time ratios against each peer, the
 * thread sweep and the performance targets, then writes bench/results.json (a quick run:
 * bench/results-quick.json, not committed). `--scaling` adds rnnkit's training-time scaling
 * table (bench/scaling.json). The peer libraries are installed into bench/node_modules on first
 * use (`npm ci --prefix bench`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_ADAPTERS } from './peers.js';
import type { PeakPoint } from './peak.js';
import { parseWorkerOutput, toWorkerOutcome } from './protocol.js';
import {
  DEFAULT_LIBRARIES,
  bestOfRounds,
  LIBRARIES,
  formatRatioTable,
  formatResultsTable,
  formatScalingTable,
  formatThreadTable,
  toEntry,
  writeJson,
  type Library,
  type ResultEntry,
  type ScalingRow,
  type WorkerOutcome,
} from './report.js';
import { checkTargets, formatTargets, peakGflops } from './targets.js';
import {
  CELLS,
  FULL_TIMING,
  QUICK_TIMING,
  W1,
  WORKLOADS,
  WORKLOAD_NAMES,
  argList,
  argValue,
  describeWorkload,
  type Cell,
  type Timing,
  type WorkloadName,
} from './workload.js';
import { ensureOpenBlas, torchEnv } from './blas.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const PYTHON = '/usr/bin/python3';
/** Libraries whose thread count is swept; the others run on one thread. */
const SWEPT: readonly Library[] = ['rnnkit', 'pytorch'];
/** Peers measured on W1 only, to keep the run short. */
const W1_ONLY: readonly Library[] = ['tfjs-cpu', 'tfjs-wasm', 'brain.js'];
/** The packages each peer needs in bench/node_modules. */
const PEER_PACKAGES: Partial<Record<Library, string>> = {
  'tfjs-cpu': '@tensorflow/tfjs',
  'tfjs-wasm': '@tensorflow/tfjs-backend-wasm',
  'brain.js': 'brain.js',
  'onnxruntime-node': 'onnxruntime-node',
  'onnxruntime-web': 'onnxruntime-web',
};

interface Options {
  quick: boolean;
  /** Times every measurement is made, in alternating order; each figure is its best round. */
  rounds: number;
  libs: Library[];
  cells: Cell[];
  workloads: WorkloadName[];
  threads: number[];
  scaling: boolean;
}

function parseOptions(argv: string[]): Options {
  const sweep = [...new Set([1, 2, availableParallelism()])].sort((a, b) => a - b);
  const threadArg = argValue(argv, 'threads');
  const threads = threadArg === undefined ? sweep : threadArg.split(',').map(Number);
  for (const n of threads) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`bad thread count '${n}' in --threads`);
  }
  const quick = argv.includes('--quick');
  const roundsArg = argValue(argv, 'rounds');
  const rounds = roundsArg === undefined ? (quick ? 1 : 2) : Number(roundsArg);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`bad round count '${roundsArg}' in --rounds: expected a whole number >= 1`);
  return {
    quick,
    rounds,
    libs: argList(argv, 'libs', LIBRARIES) ?? [...DEFAULT_LIBRARIES],
    cells: argList(argv, 'cells', CELLS) ?? [...CELLS],
    workloads: argList(argv, 'workloads', WORKLOAD_NAMES) ?? [...WORKLOAD_NAMES],
    threads,
    scaling: argv.includes('--scaling'),
  };
}

interface ProcessResult {
  stdout: string;
  stderr: string;
  code: number | null;
  timedOut: boolean;
}

function runProcess(
  command: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (code: number | null): void => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    };
    child.on('error', (err) => {
      stderr += String(err);
      finish(null);
    });
    child.on('close', finish);
  });
}

/** What to say when a process printed no result line. */
function describeFailure(p: ProcessResult, timeoutMs: number): string {
  if (p.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
  const lines = p.stderr.trim().split('\n').filter(Boolean);
  const last = lines.find((l) => /Error/.test(l)) ?? lines[lines.length - 1];
  return last ? last.trim() : `exited with code ${String(p.code)}`;
}

async function nodeWorker(
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
  nodeFlags: string[] = [],
): Promise<[unknown, string]> {
  const p = await runProcess(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', path.join(benchDir, 'worker.ts'), ...args],
    timeoutMs,
    env,
  );
  return [parseWorkerOutput(p.stdout), describeFailure(p, timeoutMs)];
}

/** Why PyTorch cannot run, or undefined when it can. */
function torchUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) return `${PYTHON} cannot import torch`;
  return undefined;
}

/**
 * Installs the peer libraries from bench/package-lock.json when one of `libs` is missing from
 * bench/node_modules. Returns why they are unavailable, or undefined when they are installed.
 */
function ensurePeers(libs: readonly Library[]): string | undefined {
  const missing = libs
    .map((l) => PEER_PACKAGES[l])
    .filter((p): p is string => p !== undefined)
    .filter((p) => !existsSync(path.join(benchDir, 'node_modules', p, 'package.json')));
  if (missing.length === 0) return undefined;
  log(`installing the peer libraries into bench/node_modules (npm ci --prefix bench) ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--prefix', benchDir, '--no-audit', '--no-fund'], {
    stdio: ['ignore', process.stderr, process.stderr],
    // onnxruntime-node ships its CPU binaries; its install step would fetch GPU ones.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  return r.status === 0
    ? undefined
    : `npm ci --prefix bench failed (${String(r.status ?? r.error)})`;
}

function timingArgs(t: Timing): string[] {
  return [t.warmup, t.repeats, t.minRepeatMs / 1000, t.maxTotalMs / 1000].map(String);
}

async function torchWorker(
  cell: Cell,
  workload: WorkloadName,
  threads: number,
  timing: Timing,
  timeoutMs: number,
): Promise<WorkerOutcome> {
  const w = WORKLOADS[workload];
  const env = torchEnv(threads, { T: w.T, I: w.I, H: w.H, B: w.B, O: w.O });
  const args = [
    path.join(benchDir, 'torch_worker.py'),
    cell,
    String(threads),
    ...timingArgs(timing),
  ];
  const p = await runProcess(PYTHON, args, timeoutMs, env);
  return toWorkerOutcome(parseWorkerOutput(p.stdout), describeFailure(p, timeoutMs));
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function seconds(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** The measurements to make, in order: workload, library, threads, cell. */
function plan(
  opts: Options,
): { library: Library; workload: WorkloadName; threads: number; cell: Cell }[] {
  const out = [];
  for (const workload of opts.workloads) {
    for (const library of opts.libs) {
      if (workload !== 'W1' && W1_ONLY.includes(library)) continue;
      const threads = SWEPT.includes(library) ? opts.threads : [1];
      for (const n of threads)
        for (const cell of opts.cells) out.push({ library, workload, threads: n, cell });
    }
  }
  return out;
}

async function measureAll(opts: Options, notes: Map<string, string>): Promise<ResultEntry[]> {
  const skipTorch = opts.libs.includes('pytorch') ? torchUnavailable() : undefined;
  const peersMissing = ensurePeers(opts.libs);
  const keys = plan(opts).filter(({ library }) => {
    const skip =
      library === 'pytorch' ? skipTorch : library in PEER_ADAPTERS ? peersMissing : undefined;
    if (skip !== undefined) notes.set(library, `${library} skipped: ${skip}`);
    return skip === undefined;
  });
  // Rounds run the plan forwards, then backwards, and so on, so that the libraries measured
  // first in one round are measured last in the next: a shared machine's slow spells then fall
  // on different libraries, and each figure keeps its best round.
  const rounds: WorkerOutcome[][] = keys.map(() => []);
  for (let r = 0; r < opts.rounds; r++) {
    const order = keys.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      const t0 = performance.now();
      const outcome = await measureOne(opts, keys[i]);
      rounds[i].push(outcome);
      const { library, workload, threads, cell } = keys[i];
      const status = outcome.ok ? 'ok' : `failed (${outcome.error})`;
      log(
        `  round ${r + 1}/${opts.rounds} ${workload} ${library} x${threads} ${cell}: ${status}, ${seconds(t0)}`,
      );
    }
  }
  return keys.map((key, i) => {
    const outcome = bestOfRounds(rounds[i]);
    if (outcome.ok && outcome.note)
      notes.set(
        `${key.library} ${key.threads}`,
        `${key.library}, ${key.threads} thread(s): ${outcome.note}`,
      );
    return toEntry(key, outcome);
  });
}

/** One measurement in its own process. */
async function measureOne(
  opts: Options,
  key: ReturnType<typeof plan>[number],
): Promise<WorkerOutcome> {
  const { library, workload, threads, cell } = key;
  const timing = opts.quick ? QUICK_TIMING : FULL_TIMING;
  const quickFlag = opts.quick ? ['--quick'] : [];
  const timeoutMs = opts.quick ? 120_000 : 30 * 60_000;
  if (library === 'pytorch') return torchWorker(cell, workload, threads, timing, timeoutMs);
  const env = library === 'rnnkit-js' ? { ...process.env, RNNKIT_BACKEND: 'js' } : process.env;
  const args = [library, cell, `--workload=${workload}`, `--threads=${threads}`, ...quickFlag];
  // rnnkit-relaxed: the relaxed-SIMD build, the default of Chrome 114+ and Node 22+,
  // behind a flag on Node 20.
  const flags = library === 'rnnkit-relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
  const [value, failure] = await nodeWorker(args, timeoutMs, env, flags);
  return toWorkerOutcome(value, failure);
}

async function measurePeak(): Promise<PeakPoint[] | undefined> {
  const [value] = await nodeWorker(['peak'], 5 * 60_000);
  if (
    typeof value === 'object' &&
    value !== null &&
    'points' in value &&
    Array.isArray(value.points)
  ) {
    return value.points as PeakPoint[];
  }
  return undefined;
}

async function measureScalingTable(opts: Options): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  const quickFlag = opts.quick ? ['--quick'] : [];
  for (const cell of opts.cells) {
    const [value, failure] = await nodeWorker(['scaling', cell, ...quickFlag], 60 * 60_000);
    rows.push(
      ...(typeof value === 'object' &&
      value !== null &&
      'rows' in value &&
      Array.isArray(value.rows)
        ? (value.rows as ScalingRow[])
        : [{ cell, T: W1.T, H: W1.H, B: W1.B, error: failure }]),
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  const started = performance.now();
  const loadBefore = loadavg()[0];
  const notes = new Map<string, string>();
  for (const w of opts.workloads) log(`${w}: ${describeWorkload(WORKLOADS[w])}`);
  log(
    `threads ${opts.threads.join(', ')}; ${opts.quick ? 'quick' : 'full'} run, ${opts.rounds} round(s)`,
  );
  if (opts.libs.includes('pytorch')) log(ensureOpenBlas());

  const [base] = await nodeWorker(['baseline'], 60_000);
  if (typeof base === 'object' && base !== null && 'peakRssMB' in base) {
    const mb = Number(base.peakRssMB).toFixed(1);
    notes.set('baseline', `peak RSS of a Node + tsx worker that loads no library: ${mb} MB`);
  }
  const peak = opts.libs.includes('rnnkit') ? await measurePeak() : undefined;
  const entries = await measureAll(opts, notes);
  const scaling = opts.scaling ? await measureScalingTable(opts) : [];
  const maxThreads = Math.max(...opts.threads);
  const load = [loadBefore, loadavg()[0]].map((l) => Math.round(l * 100) / 100);
  notes.set(
    'load',
    `1-minute load average ${load[0]} before and ${load[1]} after the run, on ` +
      `${availableParallelism()} cores: wall times and the thread sweep need idle cores`,
  );

  console.log('');
  for (const w of opts.workloads)
    console.log(`${w}: ${describeWorkload(WORKLOADS[w])}, MSE, SGD lr 0.01, float32`);
  const timing = opts.quick ? QUICK_TIMING : FULL_TIMING;
  console.log(
    `${opts.quick ? 'quick run' : 'full run'}: median of up to ${timing.repeats} repeats of at least ${timing.minRepeatMs} ms,` +
      ` best of ${opts.rounds} round(s) run in alternating order.` +
      ' Figures are wall / CPU microseconds per sequence (step: per streaming step, B=1);' +
      ' CPU time is user + system of the whole process (every thread).',
  );
  console.log('');
  console.log(formatResultsTable(entries));
  console.log('');
  console.log(
    'rnnkit, one thread, CPU time, against each peer on one thread (above 1: rnnkit faster;',
  );
  console.log('step: rnnkit time / pytorch time, below 1: rnnkit faster):');
  console.log('');
  console.log(formatRatioTable(entries));
  if (opts.threads.some((n) => n > 1)) {
    console.log('');
    console.log('Threads, wall time (vs 1: speed-up over the same library on one thread):');
    console.log('');
    console.log(formatThreadTable(entries));
  }
  if (peak !== undefined) {
    console.log('');
    console.log(
      `wasm SIMD gemm peak (CPU time, one thread): ${peakGflops(peak).toFixed(1)} GFLOP/s`,
    );
  }
  const targets = checkTargets(entries, peak, maxThreads > 1 ? 2 : 1);
  console.log('');
  console.log('Targets:');
  console.log('');
  console.log(formatTargets(targets));
  console.log('');
  for (const note of notes.values()) console.log(`- ${note}`);
  if (scaling.length > 0) {
    console.log('');
    console.log(`rnnkit training time per sequence (I=${W1.I}, O=${W1.O}, B=${W1.B}):`);
    console.log('');
    console.log(formatScalingTable(scaling));
  }

  const suffix = opts.quick ? '-quick' : '';
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  writeJson(path.join(benchDir, `results${suffix}.json`), {
    command,
    date: new Date().toISOString().slice(0, 10),
    machine: { cpus: availableParallelism(), node: process.version, loadAverage: load },
    workloads: Object.fromEntries(opts.workloads.map((w) => [w, WORKLOADS[w]])),
    gemmPeak: peak ?? null,
    notes: [...notes.values()],
    entries,
    targets,
  });
  if (scaling.length > 0) {
    writeJson(path.join(benchDir, `scaling${suffix}.json`), {
      workload: { I: W1.I, O: W1.O, B: W1.B, lr: W1.lr, dtype: 'float32' },
      rows: scaling,
    });
  }
  console.log('');
  console.log(
    `wrote bench/results${suffix}.json${scaling.length > 0 ? ` and bench/scaling${suffix}.json` : ''}`,
  );
  console.log(`total time: ${seconds(started)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
