import { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';
import { checkKeys, checkPositive, describe } from '../tensor/errors.js';
import { firstNonFinite } from '../tensor/ops.js';
import { checkPolicy, guardedUpdate, type NonFinitePolicy } from './guard.js';
import { checkClip, type ClipOptions } from './clip-options.js';
import { clipGradNorm, clipGradValue, gradNorm } from '../clip/clip.js';
import { checkLoss, type Loss } from '../loss/loss.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { BackwardResult, Model } from '../model/model.js';
import { dropoutModeOf } from '../model/dropout-mode.js';
import { hasRealStep, prepareBatch, type Batch, type PreparedBatch } from './prepared.js';

export type { Batch, PreparedBatch } from './prepared.js';
export { prepareBatch } from './prepared.js';
export type { ClipOptions };

/**
 * What a training step needs besides the batch.
 * @category Training
 */
export interface TrainOptions {
  /** The loss to minimise, e.g. {@link mseLoss}. */
  loss: Loss;
  /** Updates the weights from the gradients; keeps its state (moments) between steps. */
  optimizer: Optimizer;
  /** Gradient clipping applied before the update (default none). */
  clip?: ClipOptions;
  /** What a step that cannot be applied does (default `'skip'`): see {@link NonFinitePolicy}. */
  onNonFinite?: NonFinitePolicy;
  /**
   * Largest magnitude a weight may take (default none): an update that would put any weight
   * beyond ±`maxAbsWeight` is undone like a non-finite one.
   */
  maxAbsWeight?: number;
}

/** The options {@link trainStep} accepts; any other key is a typo and an error. */
export const TRAIN_KEYS = ['loss', 'optimizer', 'clip', 'onNonFinite', 'maxAbsWeight'] as const;

/** Training options validated once, for every step of a call. */
export interface CheckedTrainOptions {
  loss: Loss;
  optimizer: Optimizer;
  clip: ClipOptions | undefined;
  policy: NonFinitePolicy;
  maxAbsWeight: number;
}

/**
 * What a training step did.
 * @category Training
 */
export interface StepResult {
  /** Loss before the update (NaN for a batch with no real step). */
  loss: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** True when the gradients were rescaled or clamped. */
  clipped: boolean;
  /**
   * True when no update was kept: the loss, the gradient norm, an updated weight or the
   * optimizer's updated state was not finite (or a weight beyond `maxAbsWeight`), and every
   * weight and the optimizer state are as before; or the batch had no real step (`empty`).
   */
  skipped: boolean;
  /** Why the step was skipped, or null. */
  skipReason: string | null;
  /**
   * True when every step of the batch was masked out or weighted 0: there was nothing to learn
   * from, so no update was made (never an error, whatever `onNonFinite` says).
   */
  empty: boolean;
  /**
   * Gradients of the supplied initial states and context (the input's is not computed in a
   * training step); null when the step was skipped before backward.
   */
  grads: BackwardResult | null;
  /** The model's output on the batch (before the update). */
  output: Tensor;
  /** Final hidden state `[L*D, B, H]` of the forward pass: pass it as `h0` to continue the sequences. */
  h: Tensor;
  /** LSTM final cell state, else null. */
  c: Tensor | null;
}

/**
 * One step of backpropagation through time: forward over every step, the loss (the sum or mean
 * of the per-step errors), backward from the last step to the first accumulating each weight's
 * gradient over all steps, optional clipping, then one optimizer update.
 *
 * Every input is validated before anything changes. A step whose loss, gradient norm, updated
 * weights or updated optimizer state would not be finite (or beyond `maxAbsWeight`) is undone
 * (weights and optimizer state exactly as before) and reported as `skipped`, or throws with
 * `onNonFinite: 'throw'`. A batch with no real step makes no update (`empty`). When the call
 * throws (also from a loss or optimizer of the caller's), the weights, the optimizer state and
 * the dropout generator are as before, and the forward it ran is spent: a `backward` after it
 * says to run forward again. Allocates a copy of the weights and of the optimizer state per step.
 * @throws TypeError/RangeError for invalid batches or options (unknown keys included);
 *   RangeError for an undone step under `onNonFinite: 'throw'`.
 * @example
 * ```ts
 * import { Model, adam, mseLoss, trainStep } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1 });
 * const optimizer = adam({ lr: 0.01 });
 * const batch = { input: [[[0.5], [1]]], target: [[[1], [0.5]]] };
 * const { loss } = trainStep(model, batch, { loss: mseLoss(), optimizer, clip: { maxNorm: 1 } });
 * console.log(loss);
 * ```
 * @category Training
 */
export function trainStep(model: Model, batch: Batch, options: TrainOptions): StepResult {
  checkKeys('training options', options, TRAIN_KEYS);
  const checked = checkTrainOptions(options);
  return stepPrepared(model, prepareBatch(model, batch, checked.loss), checked);
}

/**
 * {@link trainStep} on a batch already prepared, with options already checked: the step every
 * training call runs. Throws leave weights, optimizer state and dropout generator as before.
 */
export function stepPrepared(
  model: Model,
  b: PreparedBatch,
  options: CheckedTrainOptions,
): StepResult {
  const steps = stepInHalves(model, b, options);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value;
}

/**
 * {@link stepPrepared} in two halves: it yields {@link MID_STEP} between the forward pass and
 * the rest (loss, backward, update), so `fitAsync` can let a page draw in between.
 */
export function* stepInHalves(
  model: Model,
  b: PreparedBatch,
  options: CheckedTrainOptions,
): Generator<typeof MID_STEP, StepResult, void> {
  const mode = dropoutModeOf(model);
  const generator = mode?.generator ?? null;
  let pending: Tensor | null = null;
  try {
    return yield* stepOnce(model, b, options, (output) => (pending = output));
  } catch (e) {
    if (mode !== null && generator !== null) mode.generator = generator;
    if (pending !== null) spendForward(model, pending);
    throw e;
  }
}

/** What {@link stepInHalves} yields between a step's forward pass and its backward pass. */
export const MID_STEP = 'forward done';

/** Uses up the forward of a step that failed, so a later `backward` asks for a new forward. */
function spendForward(model: Model, output: Tensor): void {
  try {
    model.backward(new Tensor(output.shape, output.dtype), { inputGrad: false });
  } catch {
    // Already spent: the failure came after the step's backward.
  }
}

function* stepOnce(
  model: Model,
  b: PreparedBatch,
  t: CheckedTrainOptions,
  forwardRan: (output: Tensor) => void,
): Generator<typeof MID_STEP, StepResult, void> {
  const { output, h, c } = model.forward(b.input, b.forward);
  forwardRan(output);
  yield MID_STEP;
  const result = (loss: number, gradNorm: number): StepResult => ({
    loss,
    gradNorm,
    clipped: false,
    skipped: true,
    skipReason: null,
    empty: false,
    grads: null,
    output,
    h,
    c,
  });
  if (!hasRealStep(b)) {
    const reason = 'the batch has no real step (every step masked out or weighted 0)';
    return { ...result(NaN, 0), skipReason: reason, empty: true };
  }
  const { value, grad } = t.loss.compute(output, b.target, b.mask, b.weights);
  const skip = (reason: string, norm: number, grads: BackwardResult | null): StepResult => {
    if (t.policy === 'throw') throw new RangeError(`training step undone: ${reason}`);
    return { ...result(value, norm), skipReason: reason, grads };
  };
  if (!Number.isFinite(value)) return skip(`the loss is ${value}`, NaN, null);
  if (firstNonFinite(grad.data) >= 0) return skip('the loss gradient is not finite', NaN, null);
  model.zeroGrad();
  const grads = model.backward(grad, { inputGrad: false });
  const g = model.params.grads;
  const norm = gradNorm(g);
  if (!Number.isFinite(norm)) return skip(`the gradient norm is ${norm}`, norm, grads);
  const clipped = applyClip(g, t.clip);
  const reason = guardedUpdate(model.params.values, g, t.optimizer, t.maxAbsWeight, (i) =>
    parameterAt(model, i),
  );
  if (reason !== null) return skip(reason, norm, grads);
  return { ...result(value, norm), clipped, skipped: false, grads };
}

/** `name[i]` of the parameter holding flat index `index`. */
function parameterAt(model: Model, index: number): string {
  const p = model.params.list.find((q) => index >= q.offset && index < q.offset + q.size);
  return p === undefined ? `weight ${index}` : `${p.name}[${index - p.offset}]`;
}

/** Validates the loss, optimizer, clip, policy and bound options of a training call. */
export function checkTrainOptions(options: TrainOptions): CheckedTrainOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `training options are ${describe(options)}, expected { loss, optimizer, clip? }`,
    );
  }
  const o = options as unknown as Record<string, unknown>;
  checkLoss(o.loss, true);
  if (typeof options.optimizer?.step !== 'function') {
    throw new TypeError(
      `optimizer is ${describe(o.optimizer)}, expected an Optimizer such as sgd({ lr })`,
    );
  }
  for (const method of ['stateDict', 'loadStateDict'] as const) {
    if (typeof options.optimizer[method] !== 'function') {
      throw new TypeError(
        `optimizer has no ${method}(): training needs it to undo a step that would make weights non-finite`,
      );
    }
  }
  const lr = options.optimizer.lr;
  if (!Number.isFinite(lr) || lr <= 0)
    throw new RangeError(`learning rate is ${lr}, expected a finite number > 0`);
  checkClip(options.clip);
  const bound = options.maxAbsWeight;
  return {
    loss: options.loss,
    optimizer: options.optimizer,
    clip: options.clip,
    policy: checkPolicy(options.onNonFinite),
    maxAbsWeight: bound === undefined ? Infinity : checkPositive('maxAbsWeight', bound),
  };
}

function applyClip(g: FloatArray, clip: ClipOptions | undefined): boolean {
  if (clip === undefined) return false;
  if ('value' in clip) {
    const before = gradNorm(g, 'inf');
    clipGradValue(g, clip.value);
    return before > clip.value;
  }
  const norm =
    clip.normType === 'inf' ? clipGradNorm(g, clip.maxNorm, 'inf') : clipGradNorm(g, clip.maxNorm);
  return clip.maxNorm / (norm + 1e-6) < 1;
}

/** Runs the forward pass and the loss on a prepared batch. */
export function lossOf(
  model: Model,
  b: PreparedBatch,
  loss: Loss,
): { pred: Tensor; value: number; grad: Tensor; h: Tensor; c: Tensor | null } {
  const { output: pred, h, c } = model.forward(b.input, b.forward);
  const { value, grad } = loss.compute(pred, b.target, b.mask, b.weights);
  return { pred, value, grad, h, c };
}
