/** Training runs resumed by test/resume-all.test.ts, built identically in the test and in a child process. */
import {
  Model,
  adagrad,
  adam,
  adamw,
  cosineLR,
  exponentialLR,
  mseLoss,
  reduceOnPlateau,
  rmsprop,
  sgd,
  stepLR,
  type FitOptions,
  type Optimizer,
} from '../../src/index.js';
import { SEED, resumeData } from './resume-task.js';

export { resumeData };

/** A run: its model, optimizer and fit options (without epochs). */
export interface ResumeCase {
  model(): Model;
  optimizer(): Optimizer;
  options(optimizer: Optimizer): FitOptions;
}

const lstm = (extra: object = {}): Model =>
  new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 3, ...extra });
const base = (optimizer: Optimizer): FitOptions => ({
  loss: mseLoss(),
  optimizer,
  batchSize: 5,
  seed: SEED,
});
const plain = (optimizer: () => Optimizer, extra: Partial<FitOptions> = {}): ResumeCase => ({
  model: () => lstm(),
  optimizer,
  options: (o) => ({ ...base(o), ...extra }),
});

/** Every case by name: each schedule, early stopping, dropout, tbptt, validationSplit, each optimizer. */
export const CASES: Record<string, ResumeCase> = {
  stepLR: plain(() => adam({ lr: 0.02 }), { schedule: stepLR({ stepSize: 1, gamma: 0.5 }) }),
  exponentialLR: plain(() => adam({ lr: 0.02 }), { schedule: exponentialLR({ gamma: 0.8 }) }),
  cosineLR: plain(() => adam({ lr: 0.02 }), { schedule: cosineLR({ epochs: 6 }) }),
  reduceOnPlateau: plain(() => sgd({ lr: 2 }), {
    schedule: reduceOnPlateau({ patience: 0, factor: 0.5, threshold: 0.5 }),
  }),
  earlyStopping: plain(() => sgd({ lr: 0.5, momentum: 0.9 }), {
    earlyStopping: { patience: 20 },
    validationSplit: 0.3,
  }),
  dropout: {
    model: () => lstm({ numLayers: 2, dropout: 0.4 }),
    optimizer: () => adam({ lr: 0.02 }),
    options: (o) => base(o),
  },
  tbptt: plain(() => adam({ lr: 0.02 }), { tbptt: 4 }),
  validationSplit: plain(() => adam({ lr: 0.02 }), { validationSplit: 0.25 }),
  sgd: plain(() => sgd({ lr: 0.1, momentum: 0.9, nesterov: true })),
  adamw: plain(() => adamw({ lr: 0.02, weightDecay: 0.1 })),
  rmsprop: plain(() => rmsprop({ lr: 0.01, momentum: 0.5, centered: true })),
  adagrad: plain(() => adagrad({ lr: 0.05 })),
  everything: {
    model: () => lstm({ numLayers: 2, dropout: 0.3 }),
    optimizer: () => rmsprop({ lr: 0.01 }),
    options: (o) => ({
      ...base(o),
      tbptt: 3,
      validationSplit: 0.2,
      schedule: reduceOnPlateau({ patience: 1, factor: 0.5 }),
      earlyStopping: { patience: 10 },
      metrics: ['mae'],
    }),
  },
};

/** Epochs of every run; the interrupted runs stop after half of them. */
export const EPOCHS = 8;
