/**
 * `npm run bench:readme`: rewrites the tables of the README's Performance section (between
 * `<!-- bench:start -->` and `<!-- bench:end -->`) from bench/results.json, the last full run,
 * formatted by prettier.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { isError, markdownTable, ratioRows, threadRows, type ResultEntry } from './report.js';
import { targetRows, type TargetCheck } from './targets.js';
import { CELLS, describeWorkload, type Rate, type Workload } from './workload.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const README = path.join(benchDir, '..', 'README.md');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

interface Results {
  command: string;
  date: string;
  machine: { cpus: number; node: string };
  workloads: Record<string, Workload>;
  gemmPeak: { gflops: number }[] | null;
  entries: ResultEntry[];
  targets: TargetCheck[];
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** One-thread CPU µs per sequence, `rnn / lstm / gru`, per library and workload. */
function figureRows(r: Results): string[][] {
  const rows = [['workload', 'library (1 thread)', 'train µs/seq', 'infer µs/seq', 'step µs']];
  for (const w of Object.keys(r.workloads)) {
    const libs = [...new Set(r.entries.filter((e) => e.workload === w).map((e) => e.library))];
    for (const lib of libs) {
      const of = (figure: 'train' | 'infer' | 'step'): string =>
        CELLS.map((cell) => {
          const e = r.entries.find(
            (o) => o.workload === w && o.library === lib && o.threads === 1 && o.cell === cell,
          );
          if (e === undefined || isError(e)) return e ? 'error' : '-';
          const rate: Rate | undefined = e[figure];
          return rate ? fmt(rate.cpuUs) : '-';
        }).join(' / ');
      rows.push([w, lib, of('train'), of('infer'), of('step')]);
    }
  }
  return rows;
}

function section(r: Results): string {
  const workloads = Object.entries(r.workloads)
    .map(([name, w]) => `${name} (${describeWorkload(w)})`)
    .join(' and ');
  const peak = r.gemmPeak ? Math.max(...r.gemmPeak.map((p) => p.gflops)).toFixed(1) : undefined;
  return [
    `\`${r.command}\`, ${r.date}, ${r.machine.cpus} cores, Node ${r.machine.node}: ${workloads}.`,
    'CPU time (user + system of the whole process) per sequence, one thread, rnn / lstm / gru:',
    '',
    markdownTable(figureRows(r), (c) => c >= 2),
    '',
    'rnnkit against each peer, one thread, CPU time (above 1: rnnkit faster; the step column is',
    "rnnkit's time over PyTorch's, below 1: rnnkit faster):",
    '',
    markdownTable(ratioRows(r.entries), (c) => c >= 2),
    '',
    "Threads, wall time (speed-up over the same library's one-thread figure):",
    '',
    markdownTable(threadRows(r.entries), (c) => c >= 2),
    '',
    ...(peak
      ? [`WebAssembly SIMD gemm peak on this machine: ${peak} GFLOP/s (CPU time, one thread).`, '']
      : []),
    'Targets:',
    '',
    markdownTable(targetRows(r.targets), () => false),
  ].join('\n');
}

const results = JSON.parse(readFileSync(path.join(benchDir, 'results.json'), 'utf8')) as Results;
const readme = readFileSync(README, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section`);
const text = `${readme.slice(0, a + START.length)}\n\n${section(results)}\n\n${readme.slice(b)}`;
const options = (await resolveConfig(README)) ?? {};
writeFileSync(README, await format(text, { ...options, filepath: README }));
console.log('README.md: Performance tables rewritten from bench/results.json');
