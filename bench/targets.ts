/**
 * The performance targets, checked against one run's entries: each target with its measured
 * value per workload and cell, and whether every one of them meets it.
 */
import { cpuRatio, findRate, renderTable, threadSpeedup, type ResultEntry } from './report.js';
import { trainFlopsPerSequence, type PeakPoint } from './peak.js';
import { WORKLOADS, type Cell, type WorkloadName } from './workload.js';

/** One target: its text, its bound and the values measured against it. */
export interface TargetCheck {
  target: string;
  bound: string;
  /** `W1 lstm` -> value (a ratio or a fraction); cells not measured are absent. */
  values: Record<string, number>;
  met: boolean | undefined;
}

type Value = (w: WorkloadName, cell: Cell) => number | undefined;

function check(
  entries: readonly ResultEntry[],
  target: string,
  workloads: readonly WorkloadName[],
  value: Value,
  ok: (v: number) => boolean,
  bound: string,
): TargetCheck {
  const values: Record<string, number> = {};
  const seen = new Set(entries.map((e) => `${e.workload} ${e.cell}`));
  for (const key of seen) {
    const [w, cell] = key.split(' ') as [WorkloadName, Cell];
    if (!workloads.includes(w)) continue;
    const v = value(w, cell);
    if (v !== undefined) values[key] = v;
  }
  const all = Object.values(values);
  return { target, bound, values, met: all.length === 0 ? undefined : all.every(ok) };
}

/** The best gemm GFLOP/s among the peak points. */
export function peakGflops(points: readonly PeakPoint[]): number {
  return Math.max(...points.map((p) => p.gflops));
}

/**
 * A one-thread rnnkit training step's gemm FLOP rate (CPU time) as a fraction of the peak.
 */
export function peakFraction(
  entries: readonly ResultEntry[],
  peak: number,
  w: WorkloadName,
  cell: Cell,
): number | undefined {
  const r = findRate(entries, { library: 'rnnkit', threads: 1, workload: w, cell }, 'train');
  if (r === undefined) return undefined;
  const gflops = trainFlopsPerSequence(cell, WORKLOADS[w]) / (r.cpuUs * 1000);
  return gflops / peak;
}

/** Every target of the performance issue that the entries can answer. */
export function checkTargets(
  entries: readonly ResultEntry[],
  peak: PeakPoint[] | undefined,
  threads: number,
): TargetCheck[] {
  const ratio =
    (label: string, peer: ResultEntry['library'], figure: 'train' | 'infer' | 'step'): Value =>
    (w, cell) =>
      cpuRatio(
        entries,
        { label, peer, figure, kind: figure === 'step' ? 'time' : 'speed' },
        w,
        cell,
      );
  const both: WorkloadName[] = ['W1', 'W2'];
  const vsPytorch =
    (figure: 'train' | 'infer'): Value =>
    (w, cell) => {
      const key = { threads, workload: w, cell };
      const ours = findRate(entries, { library: 'rnnkit', ...key }, figure);
      const theirs = findRate(entries, { library: 'pytorch', ...key }, figure);
      return ours && theirs ? theirs.wallUs / ours.wallUs : undefined;
    };
  const out: TargetCheck[] = [
    check(
      entries,
      'train vs pytorch, 1 thread CPU',
      ['W1'],
      ratio('', 'pytorch', 'train'),
      (v) => v >= 1,
      '>= 1.0x',
    ),
    check(
      entries,
      'train vs pytorch, 1 thread CPU',
      ['W2'],
      ratio('', 'pytorch', 'train'),
      (v) => v >= 0.8,
      '>= 0.8x',
    ),
    check(
      entries,
      'infer vs onnxruntime-web, 1 thread CPU',
      both,
      ratio('', 'onnxruntime-web', 'infer'),
      (v) => v >= 1.5,
      '>= 1.5x',
    ),
    check(
      entries,
      'infer vs onnxruntime-node, 1 thread CPU',
      both,
      ratio('', 'onnxruntime-node', 'infer'),
      (v) => v >= 0.6,
      '>= 0.6x',
    ),
    check(
      entries,
      'streaming step time / pytorch, CPU',
      both,
      ratio('', 'pytorch', 'step'),
      (v) => v <= 0.5,
      '<= 0.5x',
    ),
    check(
      entries,
      `train, ${threads} threads vs own 1 thread, wall`,
      both,
      (w, c) => threadSpeedup(entries, 'rnnkit', threads, w, c, 'train'),
      (v) => v >= 1.7,
      '>= 1.7x',
    ),
    check(
      entries,
      `infer, ${threads} threads vs own 1 thread, wall`,
      both,
      (w, c) => threadSpeedup(entries, 'rnnkit', threads, w, c, 'infer'),
      (v) => v >= 1.7,
      '>= 1.7x',
    ),
    check(
      entries,
      `train vs pytorch, both ${threads} threads, wall`,
      both,
      vsPytorch('train'),
      (v) => v > 1,
      '> 1.0x',
    ),
    check(
      entries,
      `infer vs pytorch, both ${threads} threads, wall`,
      both,
      vsPytorch('infer'),
      (v) => v > 1,
      '> 1.0x',
    ),
  ];
  if (peak !== undefined && peak.length > 0) {
    const p = peakGflops(peak);
    out.push(
      check(
        entries,
        `LSTM training step, fraction of the wasm gemm peak (${p.toFixed(1)} GFLOP/s)`,
        ['W2'],
        (w, cell) => (cell === 'lstm' ? peakFraction(entries, p, w, cell) : undefined),
        (v) => v >= 0.6,
        '>= 0.60',
      ),
    );
  }
  return out;
}

/** The targets as a table: target, bound, the value for each workload and cell, met or not. */
export function formatTargets(checks: readonly TargetCheck[]): string {
  return renderTable(targetRows(checks), [false, false, false, false]);
}

/** The rows of {@link formatTargets}, header first. */
export function targetRows(checks: readonly TargetCheck[]): string[][] {
  const rows: string[][] = [['target', 'bound', 'measured', 'met']];
  for (const c of checks) {
    const measured = Object.entries(c.values)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
    const met = c.met === undefined ? 'not measured' : c.met ? 'yes' : 'no';
    rows.push([c.target, c.bound, measured || '-', met]);
  }
  return rows;
}
