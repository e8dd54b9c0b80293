import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RESULT_MARKER, parseWorkerOutput, toWorkerOutcome } from '../bench/protocol.js';
import {
  bestOfRounds,
  cpuRatio,
  formatRatioTable,
  formatResultsTable,
  formatScalingTable,
  formatThreadTable,
  scalingRow,
  threadSpeedup,
  toEntry,
  writeJson,
  type EntryKey,
  type ResultEntry,
} from '../bench/report.js';
import { trainFlopsPerSequence } from '../bench/peak.js';
import { summarizeAb } from '../bench/ab.js';
import { checkTargets, formatTargets } from '../bench/targets.js';
import { torchEnv } from '../bench/blas.js';
import { measureRnnkit, measureScaling } from '../bench/rnnkit.js';
import { BenchRng } from '../bench/rng.js';
import {
  CELLS,
  W2,
  argList,
  argValue,
  median,
  timeRate,
  type Timing,
  type Workload,
} from '../bench/workload.js';

const tiny: Workload = { T: 3, I: 2, H: 4, B: 2, O: 2, lr: 0.01 };
const once: Timing = { warmup: 1, repeats: 1, minRepeatMs: 0, maxTotalMs: 1000 };

function expectPositiveFinite(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThan(0);
}

describe('rnnkit benchmark code on a tiny workload', () => {
  for (const cell of CELLS) {
    it(`measures ${cell}: finite positive wall and CPU times for every figure`, async () => {
      const figures = await measureRnnkit(cell, tiny, once);
      expect(Object.keys(figures).sort()).toEqual(['infer', 'step', 'train']);
      for (const rate of Object.values(figures)) {
        expectPositiveFinite(rate.wallUs);
        expectPositiveFinite(rate.cpuUs);
      }
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
  it('an A/B summary gives each side its median and the working tree speed, block by block', () => {
    const s = summarizeAb([10, 12, 30], [5, 8, 10]);
    expect(s).toEqual({ baseMs: 12, headMs: 8, speed: 1.5, pairedSpeed: 2 });
    expect(() => summarizeAb([1, 2], [1])).toThrow(/as many blocks of each side/);
    expect(() => summarizeAb([], [])).toThrow(RangeError);
  });

  it('reads --name=value options and checks listed values against the allowed ones', () => {
    const argv = ['node', 'run.ts', '--cells=lstm, gru', '--threads=2', '--quick'];
    expect(argValue(argv, 'threads')).toBe('2');
    expect(argValue(argv, 'rounds')).toBeUndefined();
    expect(argList(argv, 'cells', CELLS)).toEqual(['lstm', 'gru']);
    expect(argList(argv, 'libs', ['rnnkit'])).toBeUndefined();
    expect(() => argList(['--cells=lstm,tcn'], 'cells', CELLS)).toThrow(
      /unknown cells value 'tcn'/,
    );
  });

  it('median handles odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('timeRate returns wall and CPU microseconds per unit for sync and async functions', async () => {
    let calls = 0;
    const busy = (): void => {
      calls++;
      const t0 = performance.now();
      while (performance.now() - t0 < 2);
    };
    const timing: Timing = { warmup: 1, repeats: 1, minRepeatMs: 20, maxTotalMs: 1000 };
    const rate = await timeRate(busy, 10, timing);
    // Each call spins for 2 ms on this thread and counts as 10 units: at least 200 µs a unit.
    expect(rate.wallUs).toBeGreaterThanOrEqual(200);
    // One spinning thread: CPU time is positive and about the wall time at most (V8's own
    // background threads, compiling and collecting, count in the process's CPU time too).
    expect(rate.cpuUs).toBeGreaterThan(0);
    expect(rate.cpuUs).toBeLessThanOrEqual(rate.wallUs * 2);
    expect(calls).toBeGreaterThanOrEqual(2);
    const r = await timeRate(async () => {}, 1, once);
    expectPositiveFinite(r.wallUs);
  });

  it('a W2 LSTM training sequence costs the gemm FLOPs of forward and backward', () => {
    // forward 2·T·4H·(I+H), backward 2·T·4H·(I+2H), head 6·T·H·O
    const expected = 2 * 100 * 2048 * 576 + 2 * 100 * 2048 * 1088 + 6 * 100 * 512 * 16;
    expect(trainFlopsPerSequence('lstm', W2)).toBe(expected);
    expect(trainFlopsPerSequence('rnn', W2)).toBeLessThan(trainFlopsPerSequence('gru', W2));
  });

  it("PyTorch's environment sets its BLAS threads and drops the OpenBLAS overrides", () => {
    const saved = { ...process.env };
    try {
      process.env.OPENBLAS_CORETYPE = 'Haswell';
      process.env.OPENBLAS_L2_SIZE = '1048576';
      const env = torchEnv(2, { T: 50 });
      expect(env.OPENBLAS_NUM_THREADS).toBe('2');
      expect(env.T).toBe('50');
      expect(env).not.toHaveProperty('OPENBLAS_CORETYPE');
      expect(env).not.toHaveProperty('OPENBLAS_L2_SIZE');
      // ... in the child's environment only.
      expect(process.env.OPENBLAS_CORETYPE).toBe('Haswell');
    } finally {
      for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
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
  const key = (library: EntryKey['library'], threads = 1): EntryKey => ({
    library,
    threads,
    workload: 'W1',
    cell: 'lstm',
  });
  const rate = (wallUs: number, cpuUs = wallUs) => ({ wallUs, cpuUs });
  const entries: ResultEntry[] = [
    toEntry(key('rnnkit'), {
      ok: true,
      figures: { train: rate(1000.04, 900), infer: rate(300), step: rate(20) },
      peakRssMB: 80.123,
    }),
    toEntry(key('rnnkit', 2), {
      ok: true,
      figures: { train: rate(500, 1000), infer: rate(200) },
      peakRssMB: 120,
    }),
    toEntry(key('pytorch'), {
      ok: true,
      figures: { train: rate(450), infer: rate(150), step: rate(50) },
      peakRssMB: 250,
    }),
    toEntry(key('pytorch', 2), {
      ok: true,
      figures: { train: rate(600), infer: rate(100) },
      peakRssMB: 250,
    }),
    toEntry(key('onnxruntime-web'), {
      ok: true,
      figures: { infer: rate(600, 450) },
      peakRssMB: 190,
    }),
    toEntry(key('brain.js'), { ok: false, error: 'Network error rate is unexpected NaN' }),
  ];

  it('a successful outcome becomes an entry with its key and rounded rates', () => {
    expect(entries[0]).toEqual({
      ...key('rnnkit'),
      train: { wallUs: 1000, cpuUs: 900 },
      infer: { wallUs: 300, cpuUs: 300 },
      step: { wallUs: 20, cpuUs: 20 },
      peakRssMB: 80.1,
    });
    expect(entries[4]).not.toHaveProperty('train');
  });

  it('rounds give each time figure its fastest round, wall and CPU apart, and the highest peak', () => {
    const best = bestOfRounds([
      { ok: true, figures: { train: rate(1000, 900), infer: rate(300, 280) }, peakRssMB: 80 },
      {
        ok: true,
        figures: { train: rate(1100, 850), infer: rate(250, 310) },
        peakRssMB: 95,
        note: 'n',
      },
    ]);
    expect(best).toEqual({
      ok: true,
      figures: { train: rate(1000, 850), infer: rate(250, 280) },
      peakRssMB: 95,
      note: 'n',
    });
  });

  it('a failed round fails the measurement; no rounds is a RangeError', () => {
    const failed = { ok: false as const, error: 'worker exited with code 1' };
    const good = { ok: true as const, figures: { infer: rate(300, 280) }, peakRssMB: 80 };
    expect(bestOfRounds([good, failed])).toEqual(failed);
    expect(() => bestOfRounds([])).toThrow(RangeError);
  });

  it('a failed peer becomes an entry with its key and error only', () => {
    expect(entries[5]).toEqual({
      ...key('brain.js'),
      error: 'Network error rate is unexpected NaN',
    });
  });

  it('the table shows every row as wall / CPU, and the error message', () => {
    const lines = formatResultsTable(entries).split('\n');
    expect(lines[0]).toMatch(
      /^library\s+threads\s+workload\s+cell\s+train µs\/seq\s+infer µs\/seq/,
    );
    expect(lines).toHaveLength(2 + entries.length);
    expect(lines[2]).toMatch(/^rnnkit\s+1\s+W1\s+lstm\s+1000 \/ 900\s+300 \/ 300\s+20\.0 \/ 20\.0/);
    expect(lines[6]).toMatch(/^onnxruntime-web\s+1\s+W1\s+lstm\s+-\s+600 \/ 450\s+-/);
    expect(lines[7]).toMatch(
      /^brain\.js\s+1\s+W1\s+lstm\s+error: Network error rate is unexpected NaN$/,
    );
  });

  it('ratios are one-thread CPU times: peer time over rnnkit time, step the other way', () => {
    const train = {
      label: '',
      peer: 'pytorch' as const,
      figure: 'train' as const,
      kind: 'speed' as const,
    };
    expect(cpuRatio(entries, train, 'W1', 'lstm')).toBeCloseTo(0.5, 10);
    const step = { ...train, figure: 'step' as const, kind: 'time' as const };
    expect(cpuRatio(entries, step, 'W1', 'lstm')).toBeCloseTo(0.4, 10);
    expect(cpuRatio(entries, train, 'W2', 'lstm')).toBeUndefined();
    const lines = formatRatioTable(entries).split('\n');
    // No tfjs or onnxruntime-node figures: those columns are left out.
    expect(lines[0]).not.toMatch(/tfjs|ort-node/);
    expect(lines[2]).toMatch(/^W1\s+lstm\s+0\.50x\s+0\.50x\s+1\.50x\s+0\.40x$/);
  });

  it('the thread sweep compares wall time with the same library on one thread', () => {
    expect(threadSpeedup(entries, 'rnnkit', 2, 'W1', 'lstm', 'train')).toBeCloseTo(2, 10);
    expect(threadSpeedup(entries, 'pytorch', 2, 'W1', 'lstm', 'infer')).toBeCloseTo(1.5, 10);
    const lines = formatThreadTable(entries).split('\n');
    expect(lines[2]).toMatch(
      /^W1\s+lstm\s+2\s+2\.00x \/ 1\.50x\s+0\.75x \/ 1\.50x\s+1\.20x \/ 0\.50x$/,
    );
  });

  it('the targets say which are met, and which are not measured', () => {
    const checks = checkTargets(entries, [{ M: 1, N: 1, K: 1, prepacked: true, gflops: 30 }], 2);
    const byName = (t: string) => checks.filter((c) => c.target.startsWith(t));
    const [w1, w2] = byName('train vs pytorch, 1 thread');
    expect(w1.values).toEqual({ 'W1 lstm': 0.5 });
    expect(w1.met).toBe(false);
    expect(w2.met).toBeUndefined();
    expect(byName('streaming step')[0].met).toBe(true);
    expect(byName('infer vs onnxruntime-web')[0].values['W1 lstm']).toBeCloseTo(1.5, 10);
    expect(byName('infer vs onnxruntime-web')[0].met).toBe(true);
    expect(byName('train, 2 threads')[0].met).toBe(true);
    expect(byName('infer, 2 threads')[0].met).toBe(false);
    expect(formatTargets(checks)).toMatch(
      /streaming step time \/ pytorch, CPU\s+<= 0\.5x\s+W1 lstm 0\.40\s+yes/,
    );
  });

  it('results.json holds the entries', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rnnkit-bench-'));
    try {
      const file = path.join(dir, 'results.json');
      writeJson(file, { entries });
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(JSON.parse(text)).toEqual({ entries });
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
      { ok: true, figures: { infer: { wallUs: 1, cpuUs: 0 } }, peakRssMB: 1 },
      'x',
    );
    expect(bad).toEqual({ ok: false, error: 'worker reported infer.cpuUs = 0' });
    expect(toWorkerOutcome({ ok: true, figures: {}, peakRssMB: 1 }, 'x').ok).toBe(false);
    const good = toWorkerOutcome(
      {
        ok: true,
        figures: { infer: { wallUs: 2, cpuUs: 1 }, step: { wallUs: 3, cpuUs: 3 } },
        peakRssMB: 4,
      },
      'x',
    );
    expect(good).toEqual({
      ok: true,
      figures: { infer: { wallUs: 2, cpuUs: 1 }, step: { wallUs: 3, cpuUs: 3 } },
      peakRssMB: 4,
    });
  });
});

// PyTorch's BLAS check (bench/torch_worker.py --blas), where /usr/bin/python3 has torch.
const PYTHON = '/usr/bin/python3';
const TORCH_WORKER = fileURLToPath(new URL('../bench/torch_worker.py', import.meta.url));
const FIND_TORCH =
  'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)';
const hasTorch = spawnSync(PYTHON, ['-c', FIND_TORCH], { stdio: 'ignore' }).status === 0;
if (hasTorch || process.env.RNNKIT_REQUIRE_TORCH === '1') {
  describe("the bench's PyTorch BLAS check", () => {
    const blas = (extra: Record<string, string>) =>
      spawnSync(PYTHON, [TORCH_WORKER, '--blas'], {
        encoding: 'utf8',
        env: { ...torchEnv(1, {}), ...extra },
      });

    it('reports the BLAS torch runs on and the product probe', () => {
      const r = blas({});
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/512x512x512 sgemm [0-9.]+ GFLOP\/s on 1 thread/);
      expect(r.stdout).toMatch(/BLAS_INFO=/);
    }, 60_000);

    it('refuses to report when the product runs below the bound', () => {
      const r = blas({ RNNKIT_BENCH_MIN_GFLOPS: '1e9' });
      expect(r.status).toBe(1);
      const out = parseWorkerOutput(r.stdout);
      expect(out).toMatchObject({ ok: false });
      expect(toWorkerOutcome(out, 'x')).toMatchObject({
        error: expect.stringMatching(/slow BLAS/),
      });
    }, 60_000);
  });
} else {
  console.log(
    `bench PyTorch BLAS tests not registered: ${PYTHON} cannot import torch (apt-get install python3-torch; RNNKIT_REQUIRE_TORCH=1 makes this an error)`,
  );
}
