/**
 * How worker processes hand their result to the driver: one stdout line made of a marker and
 * JSON. Everything else a library prints is ignored.
 */
import type { WorkerOutcome } from './report.js';

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
  const keys = ['trainSeqPerSec', 'inferSeqPerSec', 'stepLatencyUs'] as const;
  if (!isRecord(f) || typeof value.peakRssMB !== 'number') {
    return { ok: false, error: 'malformed worker result' };
  }
  for (const k of keys) {
    const v = f[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      return { ok: false, error: `worker reported ${k} = ${String(v)}` };
    }
  }
  return {
    ok: true,
    figures: {
      trainSeqPerSec: f.trainSeqPerSec as number,
      inferSeqPerSec: f.inferSeqPerSec as number,
      stepLatencyUs: f.stepLatencyUs as number,
    },
    peakRssMB: value.peakRssMB,
    ...(typeof value.note === 'string' ? { note: value.note } : {}),
  };
}
