/**
 * A/B of the working tree against a git revision, both in one process: the same bench model
 * (bench/rnnkit.ts `setup`) from each tree, run in alternating blocks so that a slow spell of a
 * shared machine falls on both. On one thread each block is timed in CPU time (what the process
 * ran, not what other tenants took); with threads, in wall time (workers spin while they wait,
 * so their CPU time says nothing). Prints each side's median time per call and the speed of
 * the working tree over the revision: the ratio of the medians, and the median of the ratios of
 * blocks run next to each other.
 *
 *   npm run bench:ab -- --base=HEAD~1 [--workload=W1] [--cells=rnn,lstm,gru] [--threads=1]
 *                       [--infer] [--blocks=31] [--ms=200]
 *
 * The revision is checked out with `git worktree` into a temporary folder (removed afterwards)
 * and shares this checkout's node_modules; it needs bench/rnnkit.ts with the same `setup`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Setup } from './rnnkit.js';
import { setup as setupHead } from './rnnkit.js';
import {
  CELLS,
  WORKLOADS,
  WORKLOAD_NAMES,
  argList,
  argValue,
  median,
  type Cell,
  type Workload,
} from './workload.js';

/** What one side of the A/B gives per cell: a call to time, and a way to end it. */
type SetupFn = (cell: Cell, w: Workload) => Setup;

/** Each side's median milliseconds per call, and the working tree's speed over the base. */
export interface AbSummary {
  baseMs: number;
  headMs: number;
  /** base median / head median: above 1 when the working tree is faster. */
  speed: number;
  /** The median of base/head over blocks run next to each other. */
  pairedSpeed: number;
}

/** Summarises per-block times (ms per call) of the base and the working tree, block by block. */
export function summarizeAb(base: readonly number[], head: readonly number[]): AbSummary {
  if (base.length === 0 || base.length !== head.length) {
    throw new RangeError(
      `A/B needs as many blocks of each side (at least one), got ${base.length} and ${head.length}`,
    );
  }
  const baseMs = median(base);
  const headMs = median(head);
  return {
    baseMs,
    headMs,
    speed: baseMs / headMs,
    pairedSpeed: median(base.map((b, i) => b / head[i])),
  };
}

/** Milliseconds per call of `run` over one block of at least `ms`: CPU time, or wall time. */
function block(run: () => void, ms: number, cpu: boolean): number {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  let calls = 0;
  do {
    run();
    calls++;
  } while (performance.now() - wall0 < ms);
  if (!cpu) return (performance.now() - wall0) / calls;
  const used = process.cpuUsage(cpu0);
  return (used.user + used.system) / 1000 / calls;
}

interface AbOptions {
  w: Workload;
  threads: number;
  infer: boolean;
  blocks: number;
  ms: number;
}

/** Runs one cell on both sides; returns the per-block times, base first. */
async function measureCell(
  cell: Cell,
  sides: readonly [SetupFn, SetupFn],
  o: AbOptions,
): Promise<[number[], number[]]> {
  const models = sides.map((make) => make(cell, o.w));
  for (const s of models) await s.model.useThreads(o.threads);
  const runs = models.map((s) => (o.infer ? () => void s.model.predict(s.input) : s.step));
  for (let i = 0; i < 10; i++) for (const run of runs) run();
  const times: [number[], number[]] = [[], []];
  for (let b = 0; b < o.blocks; b++) {
    for (const i of b % 2 === 0 ? [0, 1] : [1, 0])
      times[i].push(block(runs[i], o.ms, o.threads === 1));
  }
  for (const s of models) await s.model.useThreads(1);
  return times;
}

/** A worktree of `rev` in a temporary folder, sharing this checkout's node_modules. */
function checkOut(root: string, rev: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnnkit-ab-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, rev], { cwd: root, stdio: 'ignore' });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function count(name: string, fallback: number): number {
  const v = Number(argValue(process.argv, name) ?? fallback);
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`--${name} is ${v}, expected an integer >= 1`);
  return v;
}

async function main(): Promise<void> {
  const base = argValue(process.argv, 'base');
  if (base === undefined) throw new RangeError('--base=<revision> is missing, e.g. --base=HEAD~1');
  const [name] = argList(process.argv, 'workload', WORKLOAD_NAMES) ?? ['W1'];
  const o: AbOptions = {
    w: WORKLOADS[name],
    threads: count('threads', 1),
    infer: process.argv.includes('--infer'),
    blocks: count('blocks', 31),
    ms: count('ms', 200),
  };
  const cells = argList(process.argv, 'cells', CELLS) ?? [...CELLS];
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const rev = execFileSync('git', ['rev-parse', '--short', base], { cwd: root }).toString().trim();
  const dir = checkOut(root, rev);
  try {
    const url = pathToFileURL(path.join(dir, 'bench', 'rnnkit.ts')).href;
    const { setup: setupBase } = (await import(url)) as { setup: SetupFn };
    const clock = o.threads === 1 ? 'CPU time' : 'wall time';
    console.log(
      `${name}, ${o.infer ? 'inference' : 'training step'}, ${o.threads} thread(s), ${clock}, ${o.blocks} blocks of ${o.ms} ms a side`,
    );
    console.log(`cell   base ${rev} ms   working tree ms   speed   paired`);
    for (const cell of cells) {
      const s = summarizeAb(...(await measureCell(cell, [setupBase, setupHead], o)));
      const cols = [s.baseMs.toFixed(3).padStart(16), s.headMs.toFixed(3).padStart(17)];
      console.log(
        `${cell.padEnd(5)}${cols.join('')}  ${s.speed.toFixed(3)}x  ${s.pairedSpeed.toFixed(3)}x`,
      );
    }
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: root, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
