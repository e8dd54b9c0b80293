import { describe, expect, it } from 'vitest';
import {
  Model,
  Tensor,
  adam,
  classificationReport,
  confusionMatrix,
  crossEntropyLoss,
  fit,
  padSequences,
  predictClasses,
  predictProba,
} from '../src/index.js';

describe('predictProba and predictClasses', () => {
  it('gives one softmax row per sequence with a last-step head, each at its own length', () => {
    const model = new Model({
      cell: 'gru',
      inputSize: 1,
      hiddenSize: 5,
      outputSize: 3,
      head: 'last',
      seed: 4,
    });
    const { inputs, lengths } = padSequences([[[1], [2], [3]], [[0.5]]]);
    const p = predictProba(model, inputs, { lengths });
    expect(p.shape).toEqual([2, 3]);
    for (let b = 0; b < 2; b++)
      expect(p.data[b * 3] + p.data[b * 3 + 1] + p.data[b * 3 + 2]).toBeCloseTo(1, 12);
    const alone = predictProba(model, [[[0.5]]]);
    expect(Array.from(p.data.subarray(3))).toEqual(Array.from(alone.data));
    const classes = predictClasses(model, inputs, { lengths });
    const row1 = Array.from(alone.data);
    expect(classes[1]).toBe(row1.indexOf(Math.max(...row1)));
  });

  it('marks padded steps with zeros and -1 with a head at every step', () => {
    const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 4, outputSize: 2, seed: 1 });
    const { inputs, lengths } = padSequences([[[1], [2], [3]], [[1]]]);
    const p = predictProba(model, inputs, { lengths });
    expect(p.shape).toEqual([2, 3, 2]);
    expect(Array.from(p.data.subarray(8))).toEqual([0, 0, 0, 0]);
    expect(Array.from(predictClasses(model, inputs, { lengths }).subarray(3))).toEqual([
      predictClasses(model, [[[1]]])[0],
      -1,
      -1,
    ]);
  });

  it('uses the sigmoid of a single output as the probability of class 1', () => {
    const model = new Model({
      cell: 'rnn',
      inputSize: 1,
      hiddenSize: 2,
      outputSize: 1,
      head: 'last',
    });
    const logit = model.predict([[[0.3]]]).data[0];
    expect(predictProba(model, [[[0.3]]]).data[0]).toBeCloseTo(1 / (1 + Math.exp(-logit)), 12);
    expect(predictClasses(model, [[[0.3]]])[0]).toBe(logit > 0 ? 1 : 0);
    expect(() =>
      predictProba(new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 2 }), [[[1]]]),
    ).toThrow(/expected a head/);
  });
});

describe('classification metrics', () => {
  it('counts the confusion matrix by actual row and skips padded predictions', () => {
    expect(confusionMatrix([0, 1, 1, 2, 2], [0, 1, 2, -1, 2], 3)).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/actual\[1\] is 3/);
    expect(() => confusionMatrix([0], [0, 1], 2)).toThrow(RangeError);
  });

  it('computes precision, recall and F1 per class and their macro average', () => {
    const r = classificationReport([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3);
    expect(r.precision).toEqual([1, 0.5, 0.5]);
    expect(r.recall).toEqual([2 / 3, 0.5, 1]);
    expect(r.f1[0]).toBeCloseTo(0.8, 12);
    expect(r.f1[1]).toBeCloseTo(0.5, 12);
    expect(r.f1[2]).toBeCloseTo(2 / 3, 12);
    expect(r.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
  });

  it('reports a high F1 after training a classifier on padSequences output passed as the Dataset', () => {
    const seqs: number[][][] = [];
    const labels: number[] = [];
    for (let n = 0; n < 64; n++) {
      const up = n % 2;
      const len = 3 + (n % 4);
      seqs.push(Array.from({ length: len }, (_, t) => [up ? t / len : 1 - t / len]));
      labels.push(up);
    }
    const data = { ...padSequences(seqs), targets: Tensor.from(labels) };
    const model = new Model({
      cell: 'gru',
      inputSize: 1,
      hiddenSize: 8,
      outputSize: 2,
      head: 'last',
      seed: 2,
    });
    fit(model, data, {
      loss: crossEntropyLoss(),
      optimizer: adam({ lr: 0.05 }),
      epochs: 20,
      batchSize: 16,
    });
    const r = classificationReport(
      labels,
      predictClasses(model, data.inputs, { lengths: data.lengths }),
      2,
    );
    expect(r.macroF1).toBeGreaterThan(0.95);
  });
});
