import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { allocate, type FloatArray } from '../tensor/dtype.js';
import { checkKeys, describe } from '../tensor/errors.js';
import { firstNonFinite } from '../tensor/ops.js';
import { checkPolicy, guardedUpdate, type NonFinitePolicy } from './guard.js';
import { checkClip, type ClipOptions } from './clip-options.js';
import { clipGradNorm, clipGradValue, gradNorm } from '../clip/clip.js';
import { checkLoss, type Loss } from '../loss/loss.js';
import { toStepValues } from '../loss/step-weights.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { BackwardResult, Model } from '../model/model.js';
import { indexOf, toLengths, toTensor, type SequenceInput } from '../nn/validate.js';
import { isRealStep } from '../nn/padding.js';

/**
 * One batch: sequences `[B, T, I]` (token ids `[B, T]` for a model with an embedding), targets,
 * and optional lengths, mask and initial states.
 * @category Training
 */
export interface Batch {
  /** Input sequences `[B, T, I]` (a `Tensor` or nested arrays). */
  input: SequenceInput;
  /** `[B, T, O]` values, or `[B, T]` class indices (`[B, O]` / `[B]` with a last-step head). */
  target: Tensor | NestedArray;
  /** Real steps of each sequence when the batch is padded; padded steps add nothing to loss or gradient. */
  lengths?: readonly number[] | Int32Array;
  /** `[B, T]` of 1 (step counts) and 0 (step ignored), combined with `lengths` when both are given. */
  mask?: Tensor | NestedArray;
  /**
   * Sample weights, `[B]` (one per sequence) or `[B, T]` (one per step; `[B]` only with a
   * last-step head), finite and >= 0: each step's error is multiplied by its weight, and
   * `'mean'` divides by the total weight of the real steps.
   */
  weights?: Tensor | NestedArray;
  /** One context vector per sequence, `[B, C]`, for `initialState: 'encoded'`. */
  context?: Tensor | NestedArray;
  /**
   * Initial hidden state `[L*D, B, H]`; overrides the model's initial-state mode for this batch.
   */
  h0?: Tensor | NestedArray;
  /** Initial cell state `[L*D, B, H]` (LSTM only). */
  c0?: Tensor | NestedArray;
}

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
}

/** The options {@link trainStep} accepts; any other key is a typo and an error. */
export const TRAIN_KEYS = ['loss', 'optimizer', 'clip', 'onNonFinite'] as const;

/** The options of one training step out of a larger options object (such as `fit`'s). */
export function pickTrainOptions(options: TrainOptions): TrainOptions {
  const out: TrainOptions = { loss: options.loss, optimizer: options.optimizer };
  if (options.clip !== undefined) out.clip = options.clip;
  if (options.onNonFinite !== undefined) out.onNonFinite = options.onNonFinite;
  return out;
}

/**
 * What a training step did.
 * @category Training
 */
export interface StepResult {
  /** Loss before the update. */
  loss: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** True when the gradients were rescaled or clamped. */
  clipped: boolean;
  /**
   * True when the loss, the gradient norm, an updated weight or the optimizer's updated state
   * was not finite: the step was undone, every weight and the optimizer state are as before.
   */
  skipped: boolean;
  /** Why the step was skipped, or null. */
  skipReason: string | null;
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
 * weights or updated optimizer state would not be finite is undone (weights and optimizer state
 * exactly as before) and reported as `skipped`, or throws with `onNonFinite: 'throw'`.
 * Allocates a copy of the weights and of the optimizer state per step for the undo.
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
  checkTrainOptions(options);
  const policy = checkPolicy(options.onNonFinite);
  const prepared = prepareBatch(model, batch, options.loss);
  const { pred: output, value, grad, h, c } = lossOf(model, prepared, options.loss);
  const skip = (reason: string, gradNorm: number, grads: BackwardResult | null): StepResult => {
    if (policy === 'throw') throw new RangeError(`training step undone: ${reason}`);
    const skipReason = reason;
    return {
      loss: value,
      gradNorm,
      clipped: false,
      skipped: true,
      skipReason,
      grads,
      output,
      h,
      c,
    };
  };
  if (!Number.isFinite(value)) return skip(`the loss is ${value}`, NaN, null);
  if (firstNonFinite(grad.data) >= 0) return skip('the loss gradient is not finite', NaN, null);
  model.zeroGrad();
  const grads = model.backward(grad, { inputGrad: false });
  const g = model.params.grads;
  const norm = gradNorm(g);
  if (!Number.isFinite(norm)) return skip(`the gradient norm is ${norm}`, norm, grads);
  const clipped = applyClip(g, options.clip);
  const reason = guardedUpdate(model.params.values, g, options.optimizer, (i) =>
    parameterAt(model, i),
  );
  if (reason !== null) return skip(reason, norm, grads);
  const skipReason = null;
  return { loss: value, gradNorm: norm, clipped, skipped: false, skipReason, grads, output, h, c };
}

/** `name[i]` of the parameter holding flat index `index`. */
function parameterAt(model: Model, index: number): string {
  const p = model.params.list.find((q) => index >= q.offset && index < q.offset + q.size);
  return p === undefined ? `weight ${index}` : `${p.name}[${index - p.offset}]`;
}

/** Validates the loss, optimizer and clip options of a training call. */
export function checkTrainOptions(options: TrainOptions): void {
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

/** A batch with every part validated and converted. */
export interface PreparedBatch {
  input: Tensor;
  target: Tensor;
  mask: FloatArray | null;
  /** One weight per step (`[B·T]`, or `[B]` with a last-step head), or null. */
  weights: FloatArray | null;
  forward: {
    lengths?: Int32Array;
    context?: Tensor | NestedArray;
    h0?: Tensor | NestedArray;
    c0?: Tensor | NestedArray;
  };
}

/** Validates a batch against the model and loss before anything runs. */
export function prepareBatch(model: Model, batch: Batch, loss: Loss): PreparedBatch {
  if (typeof batch !== 'object' || batch === null)
    throw new TypeError(`batch is ${describe(batch)}, expected { input, target }`);
  checkKeys('batch', batch, [
    'input',
    'target',
    'lengths',
    'mask',
    'weights',
    'context',
    'h0',
    'c0',
  ]);
  checkLoss(loss, false);
  const o = model.options;
  // With an embedding the input is token ids [B, T]; the model checks their range.
  const input =
    o.embedding === null
      ? toTensor('input', batch.input, 3, o.dtype)
      : toTensor('input', batch.input, 2, 'float64');
  const [B, T] = input.shape;
  const lengths = batch.lengths === undefined ? undefined : toLengths(batch.lengths, B, T);
  const predShape = model.outputShape(B, T);
  const target = toTarget(batch.target, o.dtype);
  loss.checkTarget(target, predShape);
  if (o.head === 'last' && batch.mask !== undefined) {
    throw new TypeError("mask applies to a head at every step, this model's head is 'last'");
  }
  const mask = o.head === 'last' ? null : buildMask(batch.mask, lengths, B, T);
  const weights = toStepValues('weights', batch.weights, predShape.slice(0, -1));
  const forward: PreparedBatch['forward'] = {};
  if (lengths !== undefined) forward.lengths = lengths;
  if (batch.context !== undefined) forward.context = batch.context;
  if (batch.h0 !== undefined) forward.h0 = batch.h0;
  if (batch.c0 !== undefined) forward.c0 = batch.c0;
  return { input, target, mask, weights, forward };
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

function toTarget(target: unknown, dtype: 'float32' | 'float64'): Tensor {
  if (target instanceof Tensor) return target;
  if (!Array.isArray(target))
    throw new TypeError(`target is ${describe(target)}, expected a Tensor or nested arrays`);
  return Tensor.from(target as NestedArray, dtype);
}

function buildMask(
  mask: unknown,
  lengths: Int32Array | undefined,
  B: number,
  T: number,
): FloatArray | null {
  if (mask === undefined && lengths === undefined) return null;
  const out = allocate('float64', B * T).fill(1);
  if (mask !== undefined) {
    const m = toTensor('mask', mask, 2, 'float64');
    if (m.shape[0] !== B || m.shape[1] !== T) {
      throw new RangeError(`mask has shape [${m.shape.join(', ')}], expected [${B}, ${T}]`);
    }
    for (let i = 0; i < m.size; i++) {
      const v = m.data[i];
      if (v !== 0 && v !== 1)
        throw new RangeError(`mask has ${v} at ${indexOf(m.shape, i)}, expected 0 or 1`);
      out[i] = v;
    }
  }
  if (lengths !== undefined) {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) if (!isRealStep(lengths, b, t)) out[b * T + t] = 0;
    }
  }
  return out;
}
