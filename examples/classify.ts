/**
 * Sequence classification with sequences of different lengths: each sequence is a noisy sine
 * wave of 8 to 30 steps whose frequency is low, medium or high; a GRU reads it and a head on the
 * last real step of each sequence names the band. After training, the per-band precision,
 * recall and F1 on the test sequences and the confusion matrix.
 *
 *   npm run example:classify
 */
import {
  Model,
  Rng,
  Tensor,
  adam,
  classificationReport,
  crossEntropyLoss,
  fit,
  padSequences,
  predictClasses,
} from 'rnnkit';

const BANDS = [0.15, 0.45, 0.9]; // radians per step
const rng = new Rng(7);

function makeData(count: number) {
  const sequences: number[][][] = [];
  const labels: number[] = [];
  for (let n = 0; n < count; n++) {
    const band = rng.int(BANDS.length);
    const freq = BANDS[band] * rng.uniform(0.8, 1.2);
    const phase = rng.uniform(0, 2 * Math.PI);
    const length = 8 + rng.int(23);
    sequences.push(
      Array.from({ length }, (_, t) => [Math.sin(freq * t + phase) + 0.2 * rng.normal()]),
    );
    labels.push(band);
  }
  return { ...padSequences(sequences), targets: Tensor.from(labels) };
}

function accuracy(model: Model, data: ReturnType<typeof makeData>): number {
  const predicted = predictClasses(model, data.inputs, { lengths: data.lengths });
  return classificationReport(data.targets.data, predicted, BANDS.length).accuracy;
}

const train = makeData(600);
const test = makeData(200);
const model = new Model({
  cell: 'gru',
  inputSize: 1,
  hiddenSize: 24,
  outputSize: BANDS.length,
  head: 'last',
  seed: 3,
});
console.log(
  `GRU classifier, ${model.parameterCount} parameters; test accuracy before training ${accuracy(model, test).toFixed(2)}`,
);
fit(model, train, {
  loss: crossEntropyLoss(),
  optimizer: adam({ lr: 0.01 }),
  epochs: 12,
  batchSize: 32,
  validation: test,
  onEpoch: (e) =>
    console.log(
      `epoch ${String(e.epoch + 1).padStart(2)}  train loss ${e.loss.toFixed(4)}  test loss ${(e.valLoss ?? NaN).toFixed(4)}  test accuracy ${accuracy(model, test).toFixed(2)}`,
    ),
});

const report = classificationReport(
  test.targets.data,
  predictClasses(model, test.inputs, { lengths: test.lengths }),
  BANDS.length,
);
console.log('\nband  precision  recall  F1');
BANDS.forEach((_, k) =>
  console.log(
    `${String(k).padStart(4)}  ${report.precision[k].toFixed(3).padStart(9)}  ${report.recall[k].toFixed(3).padStart(6)}  ${report.f1[k].toFixed(3)}`,
  ),
);
console.log(
  `macro F1 ${report.macroF1.toFixed(3)}; confusion (row: actual band) ${JSON.stringify(report.confusion)}`,
);
