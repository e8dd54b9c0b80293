import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Forecaster, Model, Scaler } from '../src/index.js';
import { loadForecaster, loadModel, saveModel, writeFileAtomic } from '../src/node.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rnnkit-files-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('saveModel and loadModel', () => {
  it('round-trips a model through a file, leaving no temporary file', async () => {
    const dir = tempDir();
    const model = new Model({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 7 });
    const path = join(dir, 'm.safetensors');
    await saveModel(model, path);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
    const again = await loadModel(path);
    expect(Array.from(again.params.values)).toEqual(Array.from(model.params.values));
  });

  it('keeps the old file whole when the write fails', async () => {
    const dir = tempDir();
    const path = join(dir, 'm.safetensors');
    writeFileSync(path, 'old');
    const broken = { toSafetensors: (): Uint8Array => ({}) as Uint8Array };
    await expect(saveModel(broken, path)).rejects.toThrow(TypeError);
    await expect(writeFileAtomic(join(dir, 'missing', 'x'), new Uint8Array(1))).rejects.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
  });

  it('refuses a file larger than the limits allow before reading it', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.safetensors');
    writeFileSync(path, new Uint8Array(2 << 20));
    await expect(loadModel(path, { maxParameters: 10 })).rejects.toThrow(
      /more than a model within the limits/,
    );
  });

  it('saves a forecaster with its scaler in the model file', async () => {
    const dir = tempDir();
    const path = join(dir, 'f.safetensors');
    const model = new Model({
      cell: 'rnn',
      inputSize: 1,
      hiddenSize: 3,
      outputSize: 1,
      head: 'last',
    });
    const f = new Forecaster(model, { scaler: Scaler.fit([5, 6, 9]), window: 3 });
    await saveModel(f, path);
    const again = await loadForecaster(path);
    expect(again.forecast([5, 6, 9], 2)).toEqual(f.forecast([5, 6, 9], 2));
    expect((await loadModel(path)).parameterCount).toBe(model.parameterCount);
  });
});
