import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Model, fit } from '../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/io/checkpoint.js';
import { adam, sgd } from '../src/index.js';
import {
  SEED,
  resumeData,
  resumeModel,
  resumeOptimizer,
  resumeOptions,
} from './helpers/resume-task.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exact resume', () => {
  it('6 epochs with shuffling and Adam equal 3 epochs, a checkpoint file and 3 more in a new process, bit for bit', () => {
    const full = resumeModel();
    const fullOpt = resumeOptimizer();
    fit(full, resumeData(), { ...resumeOptions(fullOpt), epochs: 6 });

    const part = resumeModel();
    const partOpt = resumeOptimizer();
    fit(part, resumeData(), { ...resumeOptions(partOpt), epochs: 3 });
    const checkpoint = join(dir, 'run.ckpt');
    writeFileSync(checkpoint, saveCheckpoint(part, partOpt, { epoch: 3, seed: SEED }));
    expect(part.params.values).not.toEqual(full.params.values);

    const out = join(dir, 'resumed.safetensors');
    const child = fileURLToPath(new URL('./helpers/resume-child.ts', import.meta.url));
    execFileSync('npx', ['tsx', child, checkpoint, out, '6'], { stdio: 'pipe' });
    const resumed = Model.fromSafetensors(new Uint8Array(readFileSync(out)));
    expect(resumed.params.values).toEqual(full.params.values);
    const bytes = (v: Float32Array | Float64Array) =>
      Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    expect(bytes(resumed.params.values)).toEqual(bytes(full.params.values));
  });

  it('restores the model, optimizer state and progress from the checkpoint bytes', () => {
    const model = resumeModel();
    const opt = resumeOptimizer();
    fit(model, resumeData(), { ...resumeOptions(opt), epochs: 1 });
    const file = join(dir, 'one.ckpt');
    writeFileSync(file, saveCheckpoint(model, opt, { epoch: 1, seed: 5 }));
    const opt2 = resumeOptimizer();
    // A Node Buffer straight from readFileSync (often a view at an offset into a shared pool).
    const loaded = loadCheckpoint(readFileSync(file), opt2);
    expect(loaded.epoch).toBe(1);
    expect(loaded.seed).toBe(5);
    expect(loaded.model.params.values).toEqual(model.params.values);
    expect(opt2.stateDict()).toEqual(opt.stateDict());
  });

  it('rejects a checkpoint for another optimizer and leaves that optimizer as it was', () => {
    const model = resumeModel();
    const opt = resumeOptimizer();
    fit(model, resumeData(), { ...resumeOptions(opt), epochs: 1 });
    const bytes = saveCheckpoint(model, opt, { epoch: 1 });
    const other = sgd({ lr: 0.1, momentum: 0.9 });
    const before = other.stateDict();
    expect(() => loadCheckpoint(bytes, other)).toThrow(
      /optimizer state is for "adam", this optimizer is 'sgd'/,
    );
    expect(other.stateDict()).toEqual(before);
    expect(() => saveCheckpoint(model, adam(), { epoch: 1.5 })).toThrow(/epoch is 1.5/);
  });
});
