/**
 * How worker processes hand their result to the driver: one stdout line made of a marker and
 * JSON. Everything else a library prints is ignored.
 */
import type { WorkerOutcome } from './report.js';
import type { Figures, Rate } from './workload.js';

export const RESULT_MARKER = '@@rnnkit-bench-result ';

/** The JSON of the last result line in a worker's stdout, or undefined if there is none. */
export function parseWorkerOutput(stdout: string): unknown {
  const lines = stdout.split('\n').filter((l) => l.startsWith(RESULT_MARKER));
  if (lines.length === 0) return undefined;
  return JSON.parse(lines[lines.length - 1].slice(RESULT_MARKER.length)) as unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A rate with positive finite wall and CPU times, or an error message naming the bad field. */
function checkRate(name: string, value: unknown): Rate | string {
  if (!isRecord(value)) return `worker reported ${name} = ${String(value)}`;
  for (const k of ['wallUs', 'cpuUs'] as const) {
    const v = value[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      return `worker reported ${name}.${k} = ${String(v)}`;
    }
  }
  return { wallUs: value.wallUs as number, cpuUs: value.cpuUs as number };
}

/**
 * Checks a parsed worker result; anything malformed becomes a failed outcome.
 * `fallbackError` describes the process when it printed no result (exit code, stderr).
 */
export function toWorkerOutcome(value: unknown, fallbackError: string): WorkerOutcome {
  if (!isRecord(value)) return { ok: false, error: fallbackError };
  if (value.ok !== true) {
    return { ok: false, error: typeof value.error === 'string' ? value.error : fallbackError };
  }
  const f = value.figures;
  if (!isRecord(f) || typeof value.peakRssMB !== 'number') {
    return { ok: false, error: 'malformed worker result' };
  }
  const figures: Figures = {};
  for (const k of ['train', 'infer', 'step'] as const) {
    if (f[k] === undefined) continue;
    const r = checkRate(k, f[k]);
    if (typeof r === 'string') return { ok: false, error: r };
    figures[k] = r;
  }
  if (Object.keys(figures).length === 0) return { ok: false, error: 'worker reported no figures' };
  return {
    ok: true,
    figures,
    peakRssMB: value.peakRssMB,
    ...(typeof value.note === 'string' ? { note: value.note } : {}),
  };
}
