import { checkInt, describe } from '../tensor/errors.js';

/**
 * Precision, recall and F1 of each class, with their macro averages and the accuracy.
 * @category Training
 */
export interface ClassificationReport {
  /** `confusion[actual][predicted]`: how many entries of each actual class got each prediction. */
  confusion: number[][];
  /** Per class: right predictions of the class / all predictions of it (0 when never predicted). */
  precision: number[];
  /** Per class: right predictions of the class / all entries of it (0 when absent). */
  recall: number[];
  /** Per class: the harmonic mean of precision and recall (0 when both are 0). */
  f1: number[];
  /** The mean of the per-class F1 (every class weighs the same). */
  macroF1: number;
  /** Right predictions / entries counted. */
  accuracy: number;
  /** Entries counted (those with a prediction of -1, the padded steps of `predictClasses`, are not). */
  count: number;
}

/**
 * The confusion matrix `[classes][classes]` of `actual` against `predicted` class indices, row
 * per actual class. Entries whose prediction is -1 (padded steps from `predictClasses`) are
 * skipped. Allocates the matrix.
 * @throws RangeError when the arrays differ in length or hold a value that is not a class index.
 * @category Training
 * @example
 * ```ts
 * import { confusionMatrix } from 'rnnkit';
 * console.log(confusionMatrix([0, 1, 1, 2], [0, 1, 2, 2], 3)); // [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
 * ```
 */
export function confusionMatrix(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): number[][] {
  checkInt('classes', classes, 1);
  if (actual.length !== predicted.length) {
    throw new RangeError(
      `actual has ${actual.length} entries and predicted ${predicted.length}, expected the same number`,
    );
  }
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) {
    if (predicted[i] === -1) continue;
    matrix[classIndex('actual', actual, i, classes)][
      classIndex('predicted', predicted, i, classes)
    ]++;
  }
  return matrix;
}

/**
 * Precision, recall and F1 of every class, their macro average and the accuracy, from
 * `actual` and `predicted` class indices (as {@link confusionMatrix}, which it builds).
 * @throws as {@link confusionMatrix}.
 * @category Training
 * @example
 * ```ts
 * import { classificationReport } from 'rnnkit';
 * const r = classificationReport([0, 0, 1, 1], [0, 1, 1, 1], 2);
 * console.log(r.precision, r.recall, r.macroF1.toFixed(3)); // [1, 0.666…] [0.5, 1] 0.733
 * ```
 */
export function classificationReport(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): ClassificationReport {
  const confusion = confusionMatrix(actual, predicted, classes);
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  let right = 0;
  let count = 0;
  for (let k = 0; k < classes; k++) {
    const hits = confusion[k][k];
    const predictedK = confusion.reduce((n, row) => n + row[k], 0);
    const actualK = confusion[k].reduce((n, v) => n + v, 0);
    const p = predictedK === 0 ? 0 : hits / predictedK;
    const r = actualK === 0 ? 0 : hits / actualK;
    precision.push(p);
    recall.push(r);
    f1.push(p + r === 0 ? 0 : (2 * p * r) / (p + r));
    right += hits;
    count += actualK;
  }
  const macroF1 = f1.reduce((a, b) => a + b, 0) / classes;
  return {
    confusion,
    precision,
    recall,
    f1,
    macroF1,
    accuracy: count === 0 ? 0 : right / count,
    count,
  };
}

function classIndex(name: string, values: ArrayLike<number>, i: number, classes: number): number {
  const v = values[i];
  if (!Number.isInteger(v) || v < 0 || v >= classes) {
    throw new RangeError(
      `${name}[${i}] is ${describe(v)}, expected a class index in [0, ${classes})`,
    );
  }
  return v;
}
