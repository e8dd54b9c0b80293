/**
 * Resumes the resume test's run in a fresh process: reads the checkpoint file given as the
 * first argument, trains the remaining epochs and writes the weights (safetensors) to the
 * second argument.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fit } from '../../src/index.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { resumeData, resumeOptimizer, resumeOptions } from './resume-task.js';

const [checkpointFile, outFile, epochs] = process.argv.slice(2);
const optimizer = resumeOptimizer();
const { model, epoch, seed } = loadCheckpoint(
  new Uint8Array(readFileSync(checkpointFile)),
  optimizer,
);
fit(model, resumeData(), {
  ...resumeOptions(optimizer),
  seed,
  initialEpoch: epoch,
  epochs: Number(epochs),
});
writeFileSync(outFile, model.toSafetensors());
