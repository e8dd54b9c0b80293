import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESULT_MARKER, parseWorkerOutput, toWorkerOutcome } from '../bench/protocol.js';
import {
  formatResultsTable,
  formatScalingTable,
  scalingRow,
  toEntry,
  writeJson,
  type ResultEntry,
} from '../bench/report.js';
import { measureRnnkit, measureScaling } from '../bench/rnnkit.js';
import { BenchRng } from '../bench/rng.js';
import { CELLS, median, throughput, type Timing, type Workload } from '../bench/workload.js';

const tiny: Workload = { T: 3, I: 2, H: 4, B: 2, O: 2, lr: 0.01 };
const once: Timing = { warmup: 1, repeats: 1, minRepeatMs: 0, maxTotalMs: 1000 };

function expectPositiveFinite(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThan(0);
}

describe('rnnkit benchmark code on a tiny workload', () => {
  for (const cell of CELLS) {
    it(`measures ${cell}: finite positive figures with the expected keys`, async () => {
      const figures = await measureRnnkit(cell, tiny, once);
      expect(Object.keys(figures).sort()).toEqual(
        ['inferSeqPerSec', 'stepLatencyUs', 'trainSeqPerSec'].sort(),
      );
      for (const value of Object.values(figures)) expectPositiveFinite(value);
    });
  }

  it('measures the scaling table at given sizes', async () => {
    const rows = await measureScaling('rnn', tiny, once, [
      { T: 2, H: 3 },
      { T: 4, H: 3 },
    ]);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).not.toHaveProperty('error');
      if ('error' in row) continue;
      expectPositiveFinite(row.trainMsPerSeq);
      expectPositiveFinite(row.trainSeqPerSec);
      expect(row.B).toBe(tiny.B);
    }
    expect(rows.map((r) => r.T)).toEqual([2, 4]);
  });
});

describe('timing helpers', () => {
  it('median handles odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('throughput returns units per second for sync and async functions', async () => {
    let calls = 0;
    const rate = await throughput(() => void calls++, 10, once);
    expectPositiveFinite(rate);
    expect(calls).toBeGreaterThanOrEqual(2);
    expectPositiveFinite(await throughput(async () => {}, 1, once));
  });

  it('the seeded generator is reproducible and stays in [-1, 1)', () => {
    const a = new BenchRng(7).fill(100);
    expect(Array.from(a)).toEqual(Array.from(new BenchRng(7).fill(100)));
    expect(Array.from(a)).not.toEqual(Array.from(new BenchRng(8).fill(100)));
    for (const v of a) {
      expect(v).toBeGreaterThanOrEqual(-1);
      expect(v).toBeLessThan(1);
    }
  });
});

describe('results and tables', () => {
  const figures = { trainSeqPerSec: 400.04, inferSeqPerSec: 1200, stepLatencyUs: 30.26 };
  const entries: ResultEntry[] = [
    toEntry('rnnkit-js', 'rnn', { ok: true, figures, peakRssMB: 80.123 }),
    toEntry('tfjs-cpu', 'rnn', {
      ok: true,
      figures: { trainSeqPerSec: 100, inferSeqPerSec: 400, stepLatencyUs: 900 },
      peakRssMB: 260,
    }),
    toEntry('brain.js', 'rnn', { ok: false, error: 'Network error rate is unexpected NaN' }),
  ];

  it('a successful outcome becomes an entry with the documented keys, rounded', () => {
    expect(entries[0]).toEqual({
      library: 'rnnkit-js',
      cell: 'rnn',
      trainSeqPerSec: 400,
      inferSeqPerSec: 1200,
      stepLatencyUs: 30.3,
      peakRssMB: 80.1,
    });
  });

  it('a failed peer becomes an entry with library, cell and error only', () => {
    expect(entries[2]).toEqual({
      library: 'brain.js',
      cell: 'rnn',
      error: 'Network error rate is unexpected NaN',
    });
  });

  it('the table shows every row, the rnnkit/peer ratios and the error message', () => {
    const table = formatResultsTable(entries);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^library\s+cell\s+train seq\/s\s+infer seq\/s/);
    expect(lines).toHaveLength(2 + entries.length);
    // One ratio column per rnnkit row measured: here only the js row's.
    expect(lines[0]).toMatch(/peak RSS MB\s+js\/peer train \/ infer$/);
    expect(lines[2]).toMatch(/^rnnkit-js\s+rnn\s.*\s-$/);
    expect(lines[3]).toMatch(/^tfjs-cpu\s+rnn\s.*\s4\.00x \/ 3\.00x$/);
    expect(lines[4]).toMatch(/^brain\.js\s+rnn\s+error: Network error rate is unexpected NaN$/);
  });

  it('ratios come side by side from each rnnkit row: js, wasm and 2 threads', () => {
    const peer = { trainSeqPerSec: 100, inferSeqPerSec: 1000, stepLatencyUs: 50 };
    const rows: ResultEntry[] = [
      toEntry('rnnkit-js', 'lstm', { ok: true, figures: peer, peakRssMB: 1 }),
      toEntry('rnnkit-wasm', 'lstm', {
        ok: true,
        figures: { ...peer, trainSeqPerSec: 500, inferSeqPerSec: 3000 },
        peakRssMB: 1,
      }),
      toEntry('rnnkit-2threads', 'lstm', { ok: false, error: 'no worker_threads' }),
      toEntry('pytorch-2threads', 'lstm', {
        ok: true,
        figures: { ...peer, trainSeqPerSec: 200 },
        peakRssMB: 1,
      }),
    ];
    const lines = formatResultsTable(rows).split('\n');
    expect(lines[0]).toMatch(
      /js\/peer train \/ infer\s+wasm\/peer train \/ infer\s+2 threads\/peer/,
    );
    expect(lines[5]).toMatch(
      /^pytorch-2threads\s+lstm\s.*0\.50x \/ 1\.00x\s+2\.50x \/ 3\.00x\s+-$/,
    );
  });

  it('results.json is an array of the entries', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rnnkit-bench-'));
    try {
      const file = path.join(dir, 'results.json');
      writeJson(file, entries);
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(JSON.parse(text)).toEqual(entries);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the scaling table reports growth against T=50, H=128', () => {
    const rows = [
      scalingRow('rnn', { T: 50, H: 128, B: 32 }, 500),
      scalingRow('rnn', { T: 200, H: 128, B: 32 }, 125),
      { cell: 'rnn' as const, T: 1000, H: 128, B: 32, error: 'out of memory' },
    ];
    expect(rows[0]).toEqual({
      cell: 'rnn',
      T: 50,
      H: 128,
      B: 32,
      trainSeqPerSec: 500,
      trainMsPerSeq: 2,
    });
    const lines = formatScalingTable(rows).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toMatch(/4\.0x$/);
    expect(lines[4]).toMatch(/error: out of memory$/);
  });
});

describe('worker protocol', () => {
  it('reads the last result line and ignores other output', () => {
    const out = `library banner\n${RESULT_MARKER}{"ok":false,"error":"a"}\n${RESULT_MARKER}{"ok":true}\n`;
    expect(parseWorkerOutput(out)).toEqual({ ok: true });
    expect(parseWorkerOutput('nothing here')).toBeUndefined();
  });

  it('validates outcomes and turns bad ones into errors', () => {
    expect(toWorkerOutcome(undefined, 'exited with code 1')).toEqual({
      ok: false,
      error: 'exited with code 1',
    });
    expect(toWorkerOutcome({ ok: false, error: 'NaN' }, 'x')).toEqual({ ok: false, error: 'NaN' });
    const bad = toWorkerOutcome(
      {
        ok: true,
        figures: { trainSeqPerSec: 1, inferSeqPerSec: 0, stepLatencyUs: 1 },
        peakRssMB: 1,
      },
      'x',
    );
    expect(bad.ok).toBe(false);
    const good = toWorkerOutcome(
      {
        ok: true,
        figures: { trainSeqPerSec: 1, inferSeqPerSec: 2, stepLatencyUs: 3 },
        peakRssMB: 4,
      },
      'x',
    );
    expect(good).toEqual({
      ok: true,
      figures: { trainSeqPerSec: 1, inferSeqPerSec: 2, stepLatencyUs: 3 },
      peakRssMB: 4,
    });
  });
});
