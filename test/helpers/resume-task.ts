/** The training run of the resume test, built identically in the test and in a child process. */
import {
  Model,
  Rng,
  Tensor,
  adam,
  mseLoss,
  type Dataset,
  type FitOptions,
  type Optimizer,
} from '../../src/index.js';

export const SEED = 11;

export function resumeData(): Dataset {
  const rng = new Rng(21);
  const inputs = new Tensor([22, 6, 2]);
  const targets = new Tensor([22, 6, 1]);
  for (let i = 0; i < inputs.size; i++) inputs.data[i] = rng.uniform(-1, 1);
  for (let i = 0; i < targets.size; i++)
    targets.data[i] = inputs.data[2 * i] * inputs.data[2 * i + 1];
  return { inputs, targets };
}

export function resumeModel(): Model {
  return new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 3 });
}

export function resumeOptimizer(): Optimizer {
  return adam({ lr: 0.02 });
}

export function resumeOptions(optimizer: Optimizer): FitOptions {
  return { loss: mseLoss(), optimizer, batchSize: 5, seed: SEED, shuffle: true };
}
