/**
 * Result records, the printed tables and the JSON files written by `npm run bench`.
 */
import { writeFileSync } from 'node:fs';
import type { Cell, Figures, Rate, WorkloadName } from './workload.js';

/** The libraries in the order they are measured and printed; rnnkit's rows come first. */
export const LIBRARIES = [
  'rnnkit',
  'rnnkit-relaxed',
  'rnnkit-js',
  'pytorch',
  'onnxruntime-node',
  'onnxruntime-web',
  'tfjs-wasm',
  'tfjs-cpu',
  'brain.js',
] as const;
export type Library = (typeof LIBRARIES)[number];

/** What `npm run bench` measures unless `--libs` says otherwise. */
export const DEFAULT_LIBRARIES: readonly Library[] = [
  'rnnkit',
  'rnnkit-relaxed',
  'pytorch',
  'onnxruntime-node',
  'onnxruntime-web',
  'tfjs-wasm',
];

/** What one worker process reports back: figures and its peak memory, or an error. */
export type WorkerOutcome =
  { ok: true; figures: Figures; peakRssMB: number; note?: string } | { ok: false; error: string };

/** Which measurement an entry is. */
export interface EntryKey {
  library: Library;
  threads: number;
  workload: WorkloadName;
  cell: Cell;
}

/** One entry of bench/results.json: microseconds per sequence (per step for `step`). */
export type ResultEntry =
  (EntryKey & Figures & { peakRssMB: number }) | (EntryKey & { error: string });

export function isError(entry: ResultEntry): entry is Extract<ResultEntry, { error: string }> {
  return 'error' in entry;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function roundRate(r: Rate): Rate {
  return { wallUs: round(r.wallUs), cpuUs: round(r.cpuUs) };
}

/** Turns a worker outcome into a results.json entry (numbers rounded to 0.1). */
/**
 * One outcome from the rounds of one measurement: each time figure's best round (wall and CPU
 * time apart), the highest peak memory and the first note. Contention on a shared machine only
 * ever adds time, so the fastest round is the one least disturbed; every library gets the same
 * rule. Any failed round makes the measurement a failure.
 */
export function bestOfRounds(rounds: readonly WorkerOutcome[]): WorkerOutcome {
  if (rounds.length === 0) throw new RangeError('bestOfRounds: no rounds, expected at least one');
  const failed = rounds.find((r) => !r.ok);
  if (failed !== undefined) return failed;
  const ok = rounds as readonly Extract<WorkerOutcome, { ok: true }>[];
  const figures: Figures = {};
  for (const f of ['train', 'infer', 'step'] as const) {
    const rates = ok.map((r) => r.figures[f]).filter((r): r is Rate => r !== undefined);
    if (rates.length === 0) continue;
    figures[f] = {
      wallUs: Math.min(...rates.map((r) => r.wallUs)),
      cpuUs: Math.min(...rates.map((r) => r.cpuUs)),
    };
  }
  const peakRssMB = Math.max(...ok.map((r) => r.peakRssMB));
  const note = ok.find((r) => r.note !== undefined)?.note;
  return note === undefined
    ? { ok: true, figures, peakRssMB }
    : { ok: true, figures, peakRssMB, note };
}

export function toEntry(key: EntryKey, outcome: WorkerOutcome): ResultEntry {
  if (!outcome.ok) return { ...key, error: outcome.error };
  const out: ResultEntry = { ...key, peakRssMB: round(outcome.peakRssMB) };
  for (const f of ['train', 'infer', 'step'] as const) {
    const r = outcome.figures[f];
    if (r !== undefined) out[f] = roundRate(r);
  }
  return out;
}

function fmt(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
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

/** Rows as a Markdown table (the first row is the header); `right` marks right-aligned columns. */
export function markdownTable(rows: readonly string[][], right: (c: number) => boolean): string {
  const line = (r: readonly string[]): string => `| ${r.join(' | ')} |`;
  const rule = rows[0].map((_, c) => (right(c) ? '---:' : '---'));
  return [line(rows[0]), line(rule), ...rows.slice(1).map(line)].join('\n');
}

function rateText(r: Rate | undefined): string {
  return r === undefined ? '-' : `${fmt(r.wallUs)} / ${fmt(r.cpuUs)}`;
}

/**
 * The main table: one row per measurement, each figure as `wall / CPU` microseconds per
 * sequence (per step for streaming). Failed entries show their error.
 */
export function formatResultsTable(entries: readonly ResultEntry[]): string {
  const header = [
    'library',
    'threads',
    'workload',
    'cell',
    'train µs/seq',
    'infer µs/seq',
    'step µs',
    'peak RSS MB',
  ];
  const rows: string[][] = [header];
  for (const e of entries) {
    const key = [e.library, String(e.threads), e.workload, e.cell];
    if (isError(e)) {
      rows.push([...key, `error: ${e.error}`]);
      continue;
    }
    rows.push([...key, rateText(e.train), rateText(e.infer), rateText(e.step), fmt(e.peakRssMB)]);
  }
  return renderTable(
    rows,
    header.map((_, c) => c === 1 || c >= 4),
  );
}

type Figure = 'train' | 'infer' | 'step';

/** The rate of one figure of one measurement, when it succeeded and has that figure. */
export function findRate(
  entries: readonly ResultEntry[],
  key: EntryKey,
  figure: Figure,
): Rate | undefined {
  const e = entries.find(
    (o) =>
      o.library === key.library &&
      o.threads === key.threads &&
      o.workload === key.workload &&
      o.cell === key.cell,
  );
  return e === undefined || isError(e) ? undefined : e[figure];
}

/** One column of the ratio table: rnnkit's figure against a peer's, both on one thread. */
export interface RatioColumn {
  label: string;
  peer: Library;
  figure: Figure;
  /** 'speed': peer time / rnnkit time (above 1: rnnkit faster); 'time': rnnkit time / peer time. */
  kind: 'speed' | 'time';
}

export const RATIO_COLUMNS: readonly RatioColumn[] = [
  { label: 'train vs pytorch', peer: 'pytorch', figure: 'train', kind: 'speed' },
  { label: 'infer vs pytorch', peer: 'pytorch', figure: 'infer', kind: 'speed' },
  { label: 'infer vs ort-node', peer: 'onnxruntime-node', figure: 'infer', kind: 'speed' },
  { label: 'infer vs ort-web', peer: 'onnxruntime-web', figure: 'infer', kind: 'speed' },
  { label: 'infer vs tfjs-wasm', peer: 'tfjs-wasm', figure: 'infer', kind: 'speed' },
  { label: 'train vs tfjs-wasm', peer: 'tfjs-wasm', figure: 'train', kind: 'speed' },
  { label: 'step time / pytorch', peer: 'pytorch', figure: 'step', kind: 'time' },
];

/** rnnkit's one-thread CPU-time ratio against one peer, or undefined when either is missing. */
export function cpuRatio(
  entries: readonly ResultEntry[],
  col: RatioColumn,
  workload: WorkloadName,
  cell: Cell,
): number | undefined {
  const ours = findRate(entries, { library: 'rnnkit', threads: 1, workload, cell }, col.figure);
  const theirs = findRate(entries, { library: col.peer, threads: 1, workload, cell }, col.figure);
  if (ours === undefined || theirs === undefined) return undefined;
  return col.kind === 'speed' ? theirs.cpuUs / ours.cpuUs : ours.cpuUs / theirs.cpuUs;
}

function ratioText(r: number | undefined): string {
  return r === undefined ? '-' : `${r.toFixed(2)}x`;
}

/** The (workload, cell) pairs present, in measurement order. */
function pairs(entries: readonly ResultEntry[]): [WorkloadName, Cell][] {
  const seen = new Map<string, [WorkloadName, Cell]>();
  for (const e of entries) seen.set(`${e.workload} ${e.cell}`, [e.workload, e.cell]);
  return [...seen.values()];
}

/**
 * One thread, CPU time: rnnkit against each peer, per workload and cell. Only the columns with
 * at least one figure are shown.
 */
export function formatRatioTable(entries: readonly ResultEntry[]): string {
  const rows = ratioRows(entries);
  return renderTable(
    rows,
    rows[0].map((_, c) => c >= 2),
  );
}

/** The rows of {@link formatRatioTable}, header first. */
export function ratioRows(entries: readonly ResultEntry[]): string[][] {
  const rowsOf = pairs(entries);
  const cols = RATIO_COLUMNS.filter((c) =>
    rowsOf.some(([w, cell]) => cpuRatio(entries, c, w, cell) !== undefined),
  );
  const rows: string[][] = [['workload', 'cell', ...cols.map((c) => c.label)]];
  for (const [w, cell] of rowsOf) {
    rows.push([w, cell, ...cols.map((c) => ratioText(cpuRatio(entries, c, w, cell)))]);
  }
  return rows;
}

/** Wall-time speed-up of `library` on `threads` over its own one-thread figure. */
export function threadSpeedup(
  entries: readonly ResultEntry[],
  library: Library,
  threads: number,
  workload: WorkloadName,
  cell: Cell,
  figure: Figure,
): number | undefined {
  const one = findRate(entries, { library, threads: 1, workload, cell }, figure);
  const n = findRate(entries, { library, threads, workload, cell }, figure);
  return one === undefined || n === undefined ? undefined : one.wallUs / n.wallUs;
}

/**
 * The thread sweep, wall time: for each thread count above one, rnnkit's and PyTorch's
 * speed-up over their own one-thread figure, and rnnkit against PyTorch on as many threads.
 */
export function formatThreadTable(entries: readonly ResultEntry[]): string {
  const rows = threadRows(entries);
  return renderTable(
    rows,
    rows[0].map((_, c) => c >= 2),
  );
}

/** The rows of {@link formatThreadTable}, header first. */
export function threadRows(entries: readonly ResultEntry[]): string[][] {
  const counts = [...new Set(entries.map((e) => e.threads))].filter((n) => n > 1).sort();
  const rows: string[][] = [
    [
      'workload',
      'cell',
      'threads',
      'rnnkit train / infer vs 1',
      'pytorch train / infer vs 1',
      'rnnkit vs pytorch train / infer',
    ],
  ];
  for (const [w, cell] of pairs(entries)) {
    for (const n of counts) {
      const both = (lib: Library): string =>
        `${ratioText(threadSpeedup(entries, lib, n, w, cell, 'train'))} / ${ratioText(
          threadSpeedup(entries, lib, n, w, cell, 'infer'),
        )}`;
      const vs = (figure: Figure): number | undefined => {
        const ours = findRate(
          entries,
          { library: 'rnnkit', threads: n, workload: w, cell },
          figure,
        );
        const theirs = findRate(
          entries,
          { library: 'pytorch', threads: n, workload: w, cell },
          figure,
        );
        return ours && theirs ? theirs.wallUs / ours.wallUs : undefined;
      };
      rows.push([
        w,
        cell,
        String(n),
        both('rnnkit'),
        both('pytorch'),
        `${ratioText(vs('train'))} / ${ratioText(vs('infer'))}`,
      ]);
    }
  }
  return rows;
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
