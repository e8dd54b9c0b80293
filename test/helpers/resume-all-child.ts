/**
 * Resumes every case of resume-cases.ts in a fresh process: reads `<dir>/<name>.ckpt`, trains
 * to the last epoch with `resume` and writes `<dir>/<name>.out.safetensors` and the history
 * (`<dir>/<name>.json`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fit, loadCheckpoint } from '../../src/index.js';
import { CASES, EPOCHS, resumeData } from './resume-cases.js';

const [dir] = process.argv.slice(2);
for (const [name, c] of Object.entries(CASES)) {
  const optimizer = c.optimizer();
  const bytes = new Uint8Array(readFileSync(join(dir, `${name}.ckpt`)));
  const { model, state } = loadCheckpoint(bytes, optimizer);
  const history = fit(model, resumeData(), {
    ...c.options(optimizer),
    resume: state,
    epochs: EPOCHS,
  });
  writeFileSync(join(dir, `${name}.out.safetensors`), model.toSafetensors());
  const { epochs, bestEpoch, stopReason } = history;
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ epochs, bestEpoch, stopReason }));
}
