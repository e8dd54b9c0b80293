import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Model, Tensor, fit, mseLoss, sgd, trainStep } from '../src/index.js';

const child = fileURLToPath(new URL('./helpers/memory-child.ts', import.meta.url));

/** Runs the memory child with a collector it can call and returns its JSON line. */
function runChild<T>(...args: string[]): T {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, ...args], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}

const lstm = { cell: 'lstm' as const, inputSize: 3, hiddenSize: 8, outputSize: 2, seed: 1 };
const x = new Tensor([2, 4, 3], new Float32Array(24).fill(0.5));

describe('each model owns its memory', () => {
  it('never lets a kept view of a dropped or disposed model reach another model', () => {
    const r = runChild<{ touched: number; same: boolean; live: number; kept: number }>('kept-view');
    expect(r.touched).toBe(0);
    expect(r.same).toBe(true);
    // The disposed half's views are detached; the dropped half's still read their own memory.
    expect(r.live).toBe(r.kept / 2);
  });

  it('keeps RSS flat over 1,000 LSTM models (H=128) trained and dropped', () => {
    const r = runChild<{ rss: Record<string, number> }>('churn', '1000', 'drop');
    expect(r.rss['1000'] - r.rss['10']).toBeLessThan(50 * 2 ** 20);
  });

  it('keeps RSS flat over 1,000 LSTM models trained and disposed, without a collection', () => {
    const r = runChild<{ rss: Record<string, number> }>('churn', '1000', 'dispose');
    expect(r.rss['1000'] - r.rss['10']).toBeLessThan(50 * 2 ** 20);
  });
});

describe('dispose', () => {
  it('frees the weights: calls throw and views taken before read as empty', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const model = new Model({ ...lstm, backend });
      model.forward(x);
      const values = model.params.values;
      const view = model.params.view(model.params.list[0]);
      const stream = model.createStream(2);
      model.dispose();
      expect(model.disposed).toBe(true);
      expect(values.length).toBe(0);
      expect(view.length).toBe(0);
      expect(() => model.forward(x)).toThrow('the model was disposed');
      expect(() => model.predict(x)).toThrow('the model was disposed');
      expect(() => model.createStream()).toThrow('the model was disposed');
      expect(() => model.params.values).toThrow('disposed');
      expect(() => stream.step(new Float32Array(6))).toThrow('disposed');
      expect(() => model.dispose()).not.toThrow();
    }
  });

  it('hands the memory on to a later model, which no kept view can reach', () => {
    const first = new Model({ ...lstm, backend: 'wasm' });
    first.forward(x);
    const kept = first.params.values;
    first.dispose();
    const second = new Model({ ...lstm, backend: 'wasm' });
    const before = second.stateDict()['rnn.weight_ih_l0'].data.slice();
    expect(kept.length).toBe(0);
    expect(() => kept.fill(7)).toThrow(TypeError); // detached
    for (let i = 0; i < 100; i++) kept[i] = 7;
    expect(second.stateDict()['rnn.weight_ih_l0'].data).toEqual(before);
    expect(second.params.values.every((v) => v !== 7)).toBe(true);
  });
});

describe('a plain WebAssembly memory that grows', () => {
  it('re-derives its views, so the model stays correct; a view kept across the growth reads as empty', () => {
    const wasm = new Model({ ...lstm, backend: 'wasm' });
    const js = new Model({ ...lstm, backend: 'js' });
    const kept = wasm.params.values;
    const big = new Tensor([16, 400, 3], new Float32Array(16 * 400 * 3).fill(0.25));
    const target = new Tensor([16, 400, 2], new Float32Array(16 * 400 * 2).fill(0.1));
    const opts = { loss: mseLoss(), optimizer: sgd({ lr: 0.05 }) };
    const a = trainStep(wasm, { input: big, target }, opts);
    const b = trainStep(js, { input: big, target }, opts);
    expect(kept.length).toBe(0); // the memory grew for the workspaces: the old view is detached
    expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(1e-5);
    const [w, j] = [wasm.params.values, js.params.values];
    expect(w.length).toBe(j.length);
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i] - j[i])).toBeLessThan(1e-5);
  });

  it('trains with fit across shapes that grow the memory', () => {
    const model = new Model({ ...lstm, backend: 'wasm' });
    const inputs = new Tensor([40, 50, 3], new Float32Array(40 * 50 * 3).fill(0.3));
    const targets = new Tensor([40, 50, 2], new Float32Array(40 * 50 * 2).fill(0.2));
    const h = fit(
      model,
      { inputs, targets },
      { loss: mseLoss(), optimizer: sgd({ lr: 0.05 }), epochs: 2 },
    );
    const losses = h.epochs.map((e) => e.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[1]).toBeLessThan(losses[0]);
  });
});
