import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Model, fit, saveCheckpoint, type FitHistory } from '../src/index.js';
import { CASES, EPOCHS, resumeData } from './helpers/resume-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-resume-all-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The weights' bytes (the values may be a view into kernel memory). */
const bits = (m: Model): Buffer => {
  const v = m.params.values;
  return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
};

describe('exact resume of every kind of run, in a new process', () => {
  it('equals the uninterrupted run bit for bit: weights, rates, losses, best epoch', () => {
    const full: Record<string, { model: Model; history: FitHistory }> = {};
    for (const [name, c] of Object.entries(CASES)) {
      const model = c.model();
      const history = fit(model, resumeData(), { ...c.options(c.optimizer()), epochs: EPOCHS });
      full[name] = { model, history };
      const part = c.model();
      const opt = c.optimizer();
      const half = fit(part, resumeData(), { ...c.options(opt), epochs: EPOCHS / 2 });
      writeFileSync(join(dir, `${name}.ckpt`), saveCheckpoint(part, opt, half.state));
    }
    const child = fileURLToPath(new URL('./helpers/resume-all-child.ts', import.meta.url));
    execFileSync('npx', ['tsx', child, dir], { stdio: 'pipe' });
    for (const name of Object.keys(CASES)) {
      const { model, history } = full[name];
      const bytes = new Uint8Array(readFileSync(join(dir, `${name}.out.safetensors`)));
      const resumed = Model.fromSafetensors(bytes);
      const got = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as FitHistory;
      expect({ name, bits: bits(resumed) }).toEqual({ name, bits: bits(model) });
      const tail = history.epochs.slice(EPOCHS / 2);
      expect({ name, epochs: got.epochs }).toEqual({
        name,
        epochs: JSON.parse(JSON.stringify(tail)),
      });
      expect({ name, best: got.bestEpoch }).toEqual({ name, best: history.bestEpoch });
    }
    // The cases exercise what they name: rates move, the best epoch is not the last.
    expect(full.stepLR.history.epochs.map((e) => e.lr)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((k) => 0.02 * 0.5 ** k),
    );
    const plateau = full.reduceOnPlateau.history.epochs.map((e) => e.lr);
    expect(new Set(plateau).size).toBeGreaterThan(1);
    expect(full.earlyStopping.history.bestEpoch).toBeLessThan(EPOCHS - 1);
  }, 120_000);

  it('goes on mid-epoch after an abort: the same weights as the run never stopped', () => {
    const c = CASES.dropout;
    const full = c.model();
    fit(full, resumeData(), { ...c.options(c.optimizer()), epochs: 3 });
    const part = c.model();
    const opt = c.optimizer();
    const controller = new AbortController();
    let batches = 0;
    const stopped = fit(part, resumeData(), {
      ...c.options(opt),
      epochs: 3,
      signal: controller.signal,
      onBatch: () => {
        if (++batches === 7) controller.abort();
      },
    });
    expect(stopped.aborted).toBe(true);
    expect(stopped.state).toMatchObject({ epoch: 1, batch: 2 });
    const loaded = saveCheckpoint(part, opt, stopped.state);
    const opt2 = c.optimizer();
    const { model, state } = loadCheckpointFrom(loaded, opt2);
    const rest = fit(model, resumeData(), { ...c.options(opt2), epochs: 3, resume: state });
    expect(bits(model)).toEqual(bits(full));
    expect(rest.epochs.map((e) => e.epoch)).toEqual([1, 2]);
  });
});

import { loadCheckpoint } from '../src/index.js';
function loadCheckpointFrom(
  bytes: Uint8Array,
  opt: ReturnType<(typeof CASES)['dropout']['optimizer']>,
) {
  return loadCheckpoint(bytes, opt);
}
