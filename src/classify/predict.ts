import { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';
import { argmax, softmax } from '../text/sampling.js';
import type { Model } from '../model/model.js';
import type { ForwardOptions } from '../model/types.js';
import type { SequenceInput } from '../nn/validate.js';

/**
 * Class probabilities of each sequence (a `'last'` head: `[B, O]`) or of each step (a
 * `'sequence'` head: `[B, T, O]`, all zeros at padded steps past `lengths`). With `O > 1` the
 * outputs are logits over `O` classes (softmax, for `crossEntropyLoss`); with `O = 1` the one
 * output is the logit of class 1 (sigmoid, for `bceWithLogitsLoss`) and the probability of
 * class 1 is returned. Runs `model.predict` (no dropout) and allocates the result.
 * @throws TypeError for a model without a head; otherwise as `Model.predict`.
 * @category Model
 * @example
 * ```ts
 * import { Model, padSequences, predictProba } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 3, head: 'last' });
 * const { inputs, lengths } = padSequences([[[0.1], [0.5]], [[0.9]]]);
 * const p = predictProba(model, inputs, { lengths });
 * console.log(p.shape); // [2, 3]: each row sums to 1
 * ```
 */
export function predictProba(
  model: Model,
  inputs: SequenceInput,
  options: ForwardOptions = {},
): Tensor {
  const O = classOutputs(model);
  const out = model.predict(inputs, options);
  const probs = new Tensor(out.shape, 'float64');
  const rows = out.data.length / O;
  const row = new Float64Array(O);
  for (let r = 0; r < rows; r++) {
    if (isPadded(out.shape, options.lengths, r)) continue;
    if (O === 1) probs.data[r] = 1 / (1 + Math.exp(-out.data[r]));
    else probs.data.set(softmax(row, out.data, 1, r * O), r * O);
  }
  return probs;
}

/**
 * The most probable class of each sequence (a `'last'` head: `B` values) or of each step (a
 * `'sequence'` head: `B*T` values, row-major, with -1 at padded steps past `lengths`, which the
 * metrics skip). With `O = 1` the class is 1 when the logit is above 0, else 0.
 * @throws as {@link predictProba}.
 * @category Model
 * @example
 * ```ts
 * import { Model, predictClasses } from 'rnnkit';
 * const model = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 4, outputSize: 3 });
 * const classes = predictClasses(model, [[[1, 0], [0, 1], [0, 0]]], { lengths: [2] });
 * console.log(classes.length, classes[2]); // 3 -1: the third step is padding
 * ```
 */
export function predictClasses(
  model: Model,
  inputs: SequenceInput,
  options: ForwardOptions = {},
): Int32Array {
  const O = classOutputs(model);
  const probs = predictProba(model, inputs, options);
  const rows = probs.data.length / O;
  const classes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (isPadded(probs.shape, options.lengths, r)) classes[r] = -1;
    else if (O === 1) classes[r] = probs.data[r] > 0.5 ? 1 : 0;
    else classes[r] = argmax(probs.data, r * O, O);
  }
  return classes;
}

function classOutputs(model: Model): number {
  const O = model.options.outputSize;
  if (O === null) {
    throw new TypeError(
      `model has outputSize ${describe(O)}, expected a head (outputSize >= 1) giving class logits`,
    );
  }
  return O;
}

/** Whether output row `r` of a `[B, T, O]` output is a padded step (past its sequence's length). */
function isPadded(
  shape: readonly number[],
  lengths: ForwardOptions['lengths'],
  r: number,
): boolean {
  if (shape.length !== 3 || lengths === undefined) return false;
  const T = shape[1];
  return r % T >= lengths[Math.floor(r / T)];
}
