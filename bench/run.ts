/**
 * `npm run bench [-- --quick] [-- --libs=rnnkit,tfjs-wasm] [-- --cells=rnn,gru] [-- --no-scaling]`
 *
 * Measures workload W1 (see workload.ts) for each (library, cell) in its own child process, so
 * that each peak-memory figure belongs to one library alone. Prints a table, then writes
 * bench/results.json (one entry per library and cell) and bench/scaling.json (rnnkit training
 * time per sequence as T and H grow); a quick run writes bench/results-quick.json and
 * bench/scaling-quick.json instead, leaving the full run's files as they are. The peer
 * libraries are installed into bench/node_modules on first use (`npm ci --prefix bench`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_ADAPTERS } from './peers.js';
import { parseWorkerOutput, toWorkerOutcome } from './protocol.js';
import {
  LIBRARIES,
  formatResultsTable,
  formatScalingTable,
  toEntry,
  writeJson,
  type Library,
  type ResultEntry,
  type ScalingRow,
  type WorkerOutcome,
} from './report.js';
import { CELLS, W1, type Cell } from './workload.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const PYTHON = '/usr/bin/python3';
/** The kernel backend each one-thread rnnkit row asks for, through RNNKIT_BACKEND. */
const RNNKIT_BACKENDS: Partial<Record<Library, string>> = {
  'rnnkit-js': 'js',
  'rnnkit-wasm': 'wasm',
};
/** PyTorch's rows and the thread count each sets with torch.set_num_threads. */
const TORCH_THREADS: Partial<Record<Library, number>> = { pytorch: 1, 'pytorch-2threads': 2 };
/** In CI the shared folder is a sibling of the repository. */
const TORCH_REFERENCE = path.resolve(repoRoot, '..', 'shared', 'bench', 'torch_reference.py');

interface Options {
  quick: boolean;
  libs: Library[];
  cells: Cell[];
  scaling: boolean;
}

function parseOptions(argv: string[]): Options {
  const list = (name: string): string[] | undefined =>
    argv
      .find((a) => a.startsWith(`--${name}=`))
      ?.slice(name.length + 3)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const libs = list('libs') ?? [...LIBRARIES];
  const cells = list('cells') ?? [...CELLS];
  for (const l of libs) {
    if (!(LIBRARIES as readonly string[]).includes(l)) throw new Error(`unknown library '${l}'`);
  }
  for (const c of cells) {
    if (!(CELLS as readonly string[]).includes(c)) throw new Error(`unknown cell '${c}'`);
  }
  return {
    quick: argv.includes('--quick'),
    libs: libs as Library[],
    cells: cells as Cell[],
    scaling: !argv.includes('--no-scaling'),
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
): Promise<[unknown, string]> {
  const p = await runProcess(
    process.execPath,
    ['--import', 'tsx', path.join(benchDir, 'worker.ts'), ...args],
    timeoutMs,
    env,
  );
  return [parseWorkerOutput(p.stdout), describeFailure(p, timeoutMs)];
}

/** Why PyTorch cannot run, or undefined when it can. */
function torchUnavailable(): string | undefined {
  if (!existsSync(TORCH_REFERENCE)) return `${TORCH_REFERENCE} not found`;
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) return `${PYTHON} cannot import torch`;
  return undefined;
}

/**
 * Installs the peer libraries from bench/package-lock.json when bench/node_modules is missing.
 * Returns why they are unavailable, or undefined when they are installed.
 */
function ensurePeers(): string | undefined {
  if (existsSync(path.join(benchDir, 'node_modules', '.package-lock.json'))) return undefined;
  log('installing the peer libraries into bench/node_modules (npm ci --prefix bench) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--prefix', benchDir, '--no-audit', '--no-fund'], {
    stdio: ['ignore', process.stderr, process.stderr],
  });
  return r.status === 0
    ? undefined
    : `npm ci --prefix bench failed (${String(r.status ?? r.error)})`;
}

async function torchWorker(cell: Cell, threads: number, quick: boolean, timeoutMs: number) {
  const env = {
    ...process.env,
    T: String(W1.T),
    I: String(W1.I),
    H: String(W1.H),
    B: String(W1.B),
    O: String(W1.O),
    STEPS: quick ? '6' : '20',
  };
  const args = [
    path.join(benchDir, 'torch_worker.py'),
    TORCH_REFERENCE,
    cell,
    quick ? '1' : '5',
    quick ? '0.15' : '1.0',
    String(threads),
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

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const quickFlag = opts.quick ? ['--quick'] : [];
  const timeoutMs = opts.quick ? 90_000 : 30 * 60_000;
  const entries: ResultEntry[] = [];
  const notes = new Map<string, string>();
  log(
    `workload W1: T=${W1.T} I=${W1.I} H=${W1.H} B=${W1.B} O=${W1.O}, ${opts.quick ? 'quick' : 'full'} run`,
  );

  const [base] = await nodeWorker(['baseline'], 60_000);
  if (typeof base === 'object' && base !== null && 'peakRssMB' in base) {
    const mb = Number(base.peakRssMB).toFixed(1);
    notes.set('baseline', `peak RSS of a Node + tsx worker that loads no library: ${mb} MB`);
  }

  const skipTorch = opts.libs.some((l) => l in TORCH_THREADS) ? torchUnavailable() : undefined;
  const peersMissing = opts.libs.some((l) => l in PEER_ADAPTERS) ? ensurePeers() : undefined;
  for (const library of opts.libs) {
    const torchThreads = TORCH_THREADS[library];
    const skip =
      torchThreads !== undefined ? skipTorch : library in PEER_ADAPTERS ? peersMissing : undefined;
    if (skip !== undefined) {
      notes.set(library, `${library} skipped: ${skip}`);
      log(`${library} skipped: ${skip}`);
      continue;
    }
    const backend = RNNKIT_BACKENDS[library];
    const env = backend === undefined ? process.env : { ...process.env, RNNKIT_BACKEND: backend };
    for (const cell of opts.cells) {
      const t0 = performance.now();
      let outcome: WorkerOutcome;
      if (torchThreads !== undefined) {
        outcome = await torchWorker(cell, torchThreads, opts.quick, timeoutMs * 2);
      } else {
        const [value, failure] = await nodeWorker([library, cell, ...quickFlag], timeoutMs, env);
        outcome = toWorkerOutcome(value, failure);
      }
      if (outcome.ok && outcome.note) notes.set(library, `${library}: ${outcome.note}`);
      entries.push(toEntry(library, cell, outcome));
      log(
        `  ${library} ${cell}: ${outcome.ok ? 'ok' : `failed (${outcome.error})`}, ${seconds(t0)}`,
      );
    }
  }

  const scaling: ScalingRow[] = [];
  if (opts.scaling && opts.libs.some((l) => l.startsWith('rnnkit'))) {
    for (const cell of opts.cells) {
      const t0 = performance.now();
      const [value, failure] = await nodeWorker(['scaling', cell, ...quickFlag], timeoutMs * 2);
      const rows =
        typeof value === 'object' && value !== null && 'rows' in value && Array.isArray(value.rows)
          ? (value.rows as ScalingRow[])
          : [{ cell, T: W1.T, H: W1.H, B: W1.B, error: failure }];
      scaling.push(...rows);
      log(`  rnnkit scaling ${cell}: ${seconds(t0)}`);
    }
  }

  console.log('');
  console.log(
    `W1: T=${W1.T}, I=${W1.I}, H=${W1.H}, B=${W1.B}, O=${W1.O}, MSE, SGD lr ${W1.lr}, float32` +
      ` (${opts.quick ? 'quick run: fewer repeats, shorter timings' : 'median of 5 repeats'})`,
  );
  console.log(
    'step µs: one streaming inference step at B=1 (state carried, Dense head), microseconds.',
  );
  console.log(
    'js/peer, wasm/peer, 2 threads/peer: that rnnkit row divided by the peer, train / infer,' +
      ' same cell (above 1: rnnkit faster).',
  );
  console.log('');
  console.log(formatResultsTable(entries));
  console.log('');
  for (const note of notes.values()) console.log(`- ${note}`);
  if (opts.libs.includes('brain.js')) {
    console.log(
      '- brain.js: one sequence at a time (next-step prediction, weights updated after each' +
        ' sequence); train = B sequences per train() call; step = run() on a one-step sequence' +
        ' (no state carried across calls).',
    );
  }
  if (scaling.length > 0) {
    console.log('');
    console.log(`rnnkit training time per sequence (I=${W1.I}, O=${W1.O}, B=${W1.B}):`);
    console.log('');
    console.log(formatScalingTable(scaling));
  }

  const suffix = opts.quick ? '-quick' : '';
  writeJson(path.join(benchDir, `results${suffix}.json`), entries);
  if (scaling.length > 0) {
    writeJson(path.join(benchDir, `scaling${suffix}.json`), {
      workload: { I: W1.I, O: W1.O, B: W1.B, lr: W1.lr, dtype: 'float32' },
      rows: scaling,
    });
  }
  console.log('');
  const written = [
    `results${suffix}.json`,
    ...(scaling.length > 0 ? [`scaling${suffix}.json`] : []),
  ];
  console.log(`wrote ${written.map((f) => `bench/${f}`).join(' and ')}`);
  console.log(`total time: ${seconds(started)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
