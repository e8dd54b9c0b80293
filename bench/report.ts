/**
 * Result records, the printed tables and the JSON files written by `npm run bench`.
 */
import { writeFileSync } from 'node:fs';
import type { Cell, Figures } from './workload.js';

/** The libraries in the order they are measured and printed; rnnkit's rows come first. */
export const LIBRARIES = [
  'rnnkit-js',
  'rnnkit-wasm',
  'rnnkit-2threads',
  'tfjs-cpu',
  'tfjs-wasm',
  'brain.js',
  'pytorch',
  'pytorch-2threads',
] as const;
export type Library = (typeof LIBRARIES)[number];

/**
 * rnnkit's rows, each the reference of one ratio column: the TypeScript kernels and the
 * WebAssembly kernels on one thread (chosen by RNNKIT_BACKEND), and two threads.
 */
export const RNNKIT_ROWS: readonly { library: Library; label: string }[] = [
  { library: 'rnnkit-js', label: 'js' },
  { library: 'rnnkit-wasm', label: 'wasm' },
  { library: 'rnnkit-2threads', label: '2 threads' },
];

/** What one worker process reports back: figures and its peak memory, or an error. */
export type WorkerOutcome =
  { ok: true; figures: Figures; peakRssMB: number; note?: string } | { ok: false; error: string };

/** One entry of bench/results.json. */
export type ResultEntry =
  | {
      library: string;
      cell: Cell;
      trainSeqPerSec: number;
      inferSeqPerSec: number;
      stepLatencyUs: number;
      peakRssMB: number;
    }
  | { library: string; cell: Cell; error: string };

export function isError(entry: ResultEntry): entry is Extract<ResultEntry, { error: string }> {
  return 'error' in entry;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Turns a worker outcome into a results.json entry (numbers rounded to 0.1). */
export function toEntry(library: string, cell: Cell, outcome: WorkerOutcome): ResultEntry {
  if (!outcome.ok) return { library, cell, error: outcome.error };
  const { trainSeqPerSec, inferSeqPerSec, stepLatencyUs } = outcome.figures;
  return {
    library,
    cell,
    trainSeqPerSec: round(trainSeqPerSec),
    inferSeqPerSec: round(inferSeqPerSec),
    stepLatencyUs: round(stepLatencyUs),
    peakRssMB: round(outcome.peakRssMB),
  };
}

function fmt(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function ratio(ours: number, theirs: number): string {
  return theirs > 0 ? `${(ours / theirs).toFixed(2)}x` : '-';
}

/**
 * Renders rows as an aligned text table; the first row is the header. A row shorter than the
 * header ends with a free-text cell (e.g. an error message) that spans the remaining columns
 * and does not widen them.
 */
export function renderTable(rows: readonly string[][], rightAligned: readonly boolean[]): string {
  const n = rows[0].length;
  const widths = rows[0].map((_, c) =>
    Math.max(...rows.filter((r) => r.length === n).map((r) => r[c].length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((cell, c) => {
        if (r.length < n && c === r.length - 1) return cell;
        return rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

/**
 * The main table: one row per (library, cell), then one ratio column per rnnkit row measured
 * (js, wasm, 2 threads): rnnkit's training and inference figures divided by the peer's, same
 * cell, same run, as `train / infer` (above 1: rnnkit is faster). Failed entries show their
 * error.
 */
export function formatResultsTable(entries: readonly ResultEntry[]): string {
  const refs = RNNKIT_ROWS.filter((r) => entries.some((e) => e.library === r.library));
  const header = ['library', 'cell', 'train seq/s', 'infer seq/s', 'step µs', 'peak RSS MB'];
  for (const r of refs) header.push(`${r.label}/peer train / infer`);
  const rows: string[][] = [header];
  for (const e of entries) {
    if (isError(e)) {
      rows.push([e.library, e.cell, `error: ${e.error}`]);
      continue;
    }
    const ratios = refs.map((r) => {
      const ours = entries.find((o) => o.library === r.library && o.cell === e.cell);
      if (ours === undefined || isError(ours) || e.library.startsWith('rnnkit')) return '-';
      const train = ratio(ours.trainSeqPerSec, e.trainSeqPerSec);
      return `${train} / ${ratio(ours.inferSeqPerSec, e.inferSeqPerSec)}`;
    });
    rows.push([
      e.library,
      e.cell,
      fmt(e.trainSeqPerSec),
      fmt(e.inferSeqPerSec),
      fmt(e.stepLatencyUs),
      fmt(e.peakRssMB),
      ...ratios,
    ]);
  }
  return renderTable(
    rows,
    header.map((_, c) => c >= 2),
  );
}

/** One point of the rnnkit scaling table. */
export type ScalingRow =
  | { cell: Cell; T: number; H: number; B: number; trainSeqPerSec: number; trainMsPerSeq: number }
  | { cell: Cell; T: number; H: number; B: number; error: string };

export function scalingRow(
  cell: Cell,
  size: { T: number; H: number; B: number },
  trainSeqPerSec: number,
): ScalingRow {
  return {
    cell,
    ...size,
    trainSeqPerSec: round(trainSeqPerSec),
    trainMsPerSeq: round(1000 / trainSeqPerSec, 3),
  };
}

/** Training time per sequence as T or H grows, with the growth relative to T=50, H=128. */
export function formatScalingTable(rows: readonly ScalingRow[]): string {
  const table: string[][] = [
    ['cell', 'T', 'H', 'B', 'train ms/seq', 'train seq/s', 'vs T=50,H=128'],
  ];
  for (const r of rows) {
    if ('error' in r) {
      table.push([r.cell, String(r.T), String(r.H), String(r.B), `error: ${r.error}`]);
      continue;
    }
    const base = rows.find((b) => b.cell === r.cell && b.T === 50 && b.H === 128);
    const rel =
      base && !('error' in base) ? `${(r.trainMsPerSeq / base.trainMsPerSeq).toFixed(1)}x` : '-';
    table.push([
      r.cell,
      String(r.T),
      String(r.H),
      String(r.B),
      r.trainMsPerSeq.toFixed(3),
      fmt(r.trainSeqPerSec),
      rel,
    ]);
  }
  return renderTable(table, [false, true, true, true, true, true, true]);
}

/** Writes JSON the way prettier formats it (2-space indent, one key per line, final newline). */
export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}
