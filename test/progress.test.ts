/* eslint-disable no-control-regex -- the terminal line ends with the erase-line sequence ESC [K */
import { describe, expect, it, vi } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  fit,
  mseLoss,
  sgd,
  type FitOptions,
  type ProgressWriter,
} from '../src/index.js';
import { createProgress } from '../src/train/progress.js';

/** A writer that records what was written. */
function recorder(isTTY: boolean, columns?: number): ProgressWriter & { text: string } {
  const w = {
    text: '',
    isTTY,
    columns,
    write(s: string) {
      w.text += s;
    },
  };
  return w;
}

function data(N: number) {
  const rng = new Rng(3);
  const inputs = new Tensor([N, 5, 2]);
  const targets = new Tensor([N, 5, 1]);
  for (let i = 0; i < inputs.size; i++) inputs.data[i] = rng.uniform(-1, 1);
  for (let i = 0; i < targets.size; i++) targets.data[i] = rng.uniform(-1, 1);
  return { inputs, targets };
}

const model = (): Model =>
  new Model({ cell: 'gru', inputSize: 2, hiddenSize: 4, outputSize: 1, seed: 2 });

function run(writer: ProgressWriter, extra: Partial<FitOptions> = {}) {
  return fit(model(), data(12), {
    loss: mseLoss(),
    optimizer: sgd({ lr: 0.1 }),
    epochs: 3,
    batchSize: 4,
    validation: data(4),
    progress: { writer, intervalMs: 0 },
    ...extra,
  });
}

describe('fit progress', () => {
  it('prints one plain line per epoch when the writer is not a terminal', () => {
    const w = recorder(false);
    const history = run(w);
    const lines = w.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    expect(w.text).not.toContain('\r');
    lines.forEach((line, i) => {
      expect(line).toMatch(new RegExp(`^epoch ${i + 1}/3 \\[[#-]{20}\\]  loss \\d`));
      expect(line).toContain(`loss ${history.epochs[i].loss.toFixed(4)}`);
      expect(line).toContain(`validation ${history.epochs[i].valLoss!.toFixed(4)}`);
      expect(line).toMatch(/\d+:\d\d elapsed, \d+:\d\d left$/);
    });
    expect(lines[2]).toContain('[####################]');
  });

  it('redraws one line in a terminal, batch by batch, and keeps each epoch summary', () => {
    const w = recorder(true);
    run(w);
    const draws = w.text.split('\r').slice(1);
    // 3 batches and one summary per epoch.
    expect(draws).toHaveLength(12);
    expect(draws[0]).toMatch(
      /^epoch 1\/3 \[#{2}-{18}\] batch 1\/3 {2}loss \d\.\d{4} {2}\d+:\d\d left\x1b\[K$/,
    );
    expect(draws[2]).toContain('batch 3/3');
    expect(draws[3]).toMatch(/^epoch 1\/3 .*elapsed.*\x1b\[K\n$/);
    expect(draws[11]).toMatch(/^epoch 3\/3 \[#{20}\]/);
    expect(w.text.endsWith('\n')).toBe(true);
    expect(w.text.split('\n')).toHaveLength(4);
  });

  it('fits the line to the terminal width', () => {
    const w = recorder(true, 30);
    run(w);
    for (const draw of w.text.split('\r').slice(1)) {
      expect(draw.replace('\x1b[K', '').replace('\n', '').length).toBeLessThanOrEqual(29);
    }
  });

  it('takes a terminal of width 0 (unknown, as under script(1)) as 80 wide', () => {
    const w = recorder(true, 0);
    run(w);
    const first = w.text.split('\r')[1];
    expect(first).toMatch(
      /^epoch 1\/3 \[#{2}-{18}\] batch 1\/3 {2}loss \d\.\d{4} {2}\d+:\d\d left\x1b\[K$/,
    );
  });

  it('redraws at most once per interval between epoch summaries', () => {
    const w = recorder(true);
    run(w, { progress: { writer: w, intervalMs: 60_000 } });
    // The first batch draws; the others fall within the interval; the summaries always draw.
    expect(w.text.split('\r').slice(1)).toHaveLength(4);
  });

  it('finishes the terminal line when training is aborted', () => {
    const w = recorder(true);
    const controller = new AbortController();
    const history = run(w, {
      onBatch: (b) => b.batch === 1 && controller.abort(),
      signal: controller.signal,
    });
    expect(history.aborted).toBe(true);
    expect(w.text).toMatch(/batch 2\/3 .*\x1b\[K\n$/);
  });

  it('writes to process.stdout with progress: true', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      written.push(String(s));
      return true;
    });
    try {
      run(recorder(false), { progress: true });
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(/epoch 3\/3 \[#{20}\]/);
  });

  it('writes plain lines through console.log where there is no process (a browser)', () => {
    const lines: string[] = [];
    const spy = vi
      .spyOn(console, 'log')
      .mockImplementation((line: string) => void lines.push(line));
    const global = globalThis as { process?: unknown };
    const saved = global.process;
    let display: ReturnType<typeof createProgress>;
    try {
      global.process = undefined;
      display = createProgress(true, 2, 1);
    } finally {
      global.process = saved;
    }
    try {
      display!.batch({ epoch: 0, batch: 0, loss: 0.5 });
      display!.epoch({ epoch: 0, loss: 0.5, valLoss: null });
      display!.end();
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^epoch 1\/2 \[#{10}-{10}\] {2}loss 0\.5000 {2}\d+:\d\d elapsed, \d+:\d\d left$/,
    );
  });

  it('is off with progress: false', () => {
    const w = recorder(false);
    run(w, { progress: false });
    expect(w.text).toBe('');
  });

  it('rejects a bad progress option before training', () => {
    const m = model();
    const before = Array.from(m.params.values);
    const bad: unknown[] = ['yes', { writer: {} }, { intervalMs: -1 }, { every: 1 }];
    for (const progress of bad) {
      expect(() =>
        fit(m, data(4), {
          loss: mseLoss(),
          optimizer: sgd({ lr: 0.1 }),
          progress: progress as FitOptions['progress'],
        }),
      ).toThrow(/progress/);
    }
    expect(Array.from(m.params.values)).toEqual(before);
    expect(() =>
      fit(m, data(4), {
        loss: mseLoss(),
        optimizer: sgd({ lr: 0.1 }),
        progress: { intervalMs: -1 },
      }),
    ).toThrow(RangeError);
  });
});
