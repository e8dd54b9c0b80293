import { traceStepGradients, type Model } from '../model/model.js';
import { onOneThread } from '../model/threads.js';
import { lastStep } from '../nn/padding.js';
import { checkLoss, type Loss } from '../loss/loss.js';
import { checkChoice, checkKeys, describe } from '../tensor/errors.js';
import { lossOf, prepareBatch, type Batch } from '../train/step.js';

/**
 * Options of {@link gradientFlow}.
 * @category Checks
 */
export interface GradientFlowOptions {
  /** The loss whose gradient is followed back through time. */
  loss: Loss;
  /**
   * `'last'` (default): follow the error of the last step alone back through time, the classic
   * view of vanishing and exploding gradients. `'all'`: the gradient of the whole loss.
   */
  from?: 'last' | 'all';
}

/**
 * How the gradient travels back through time in one layer and direction.
 * @category Checks
 */
export interface StepGradients {
  /** Layer index, 0 for the layer that reads the input. */
  layer: number;
  /** Which way the pass runs (`backward` only in bidirectional models). */
  direction: 'forward' | 'backward';
  /** ‖dL/dh_t‖ over the batch, for t = 0 .. T−1. */
  norms: number[];
}

/**
 * What {@link gradientFlow} measured.
 * @category Checks
 */
export interface GradientFlow {
  /** The batch's loss. */
  loss: number;
  /** Per-step gradient norms, one entry per layer and direction (layer-major, forward first). */
  steps: StepGradients[];
  /** Each parameter's gradient norm, by name. */
  parameters: Array<{
    /** The parameter's name, e.g. `rnn.weight_hh_l0`. */
    name: string;
    /** The L2 norm of its gradient. */
    norm: number;
  }>;
  /**
   * ‖dL/dh‖ at the step farthest from the error over its value at the nearest (the last real
   * step of the longest sequence), for the first layer's forward direction. Far below 1 (say < 1e-3) the gradient vanishes before it reaches early steps;
   * far above 1 it explodes.
   */
  ratio: number;
  /** `vanishing` when `ratio` < 1e-3, `exploding` when it is > 1e3, otherwise `stable`. */
  verdict: 'vanishing' | 'exploding' | 'stable';
}

/**
 * Measures how gradients flow back through time for one batch: per-step norms of dL/dh_t in every
 * layer and direction, per-parameter gradient norms, and a verdict. Overwrites the model's
 * gradients (as a backward pass does); changes no weight.
 * @throws TypeError without a loss, or with a loss of reduction `'none'`.
 * @example
 * ```ts
 * import { Model, gradientFlow, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 8, outputSize: 1 });
 * const T = 30;
 * const batch = { input: [Array.from({ length: T }, () => [1])], target: [Array.from({ length: T }, () => [0])] };
 * const flow = gradientFlow(model, batch, { loss: mseLoss() });
 * console.log(flow.verdict, flow.ratio); // how much of the last step's error reaches step 0
 * ```
 * @category Checks
 */
export function gradientFlow(
  model: Model,
  batch: Batch,
  options: GradientFlowOptions,
): GradientFlow {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`gradientFlow options are ${describe(options)}, expected { loss, from? }`);
  checkKeys('gradientFlow options', options, ['loss', 'from']);
  checkLoss(options.loss, true);
  const from = checkChoice('from', options.from ?? 'last', ['last', 'all'] as const);
  const prepared = prepareBatch(model, batch, options.loss);
  // On one thread: the trace reads the calling thread's workspace, which must hold every sequence.
  const { value, traces } = onOneThread(model, () => {
    const { pred, value, grad } = lossOf(model, prepared, options.loss);
    if (from === 'last' && model.options.head === 'sequence')
      keepLastStep(grad.data, pred.shape, prepared.forward.lengths);
    const traces = traceStepGradients(model, true);
    model.zeroGrad();
    try {
      model.backward(grad);
    } finally {
      traceStepGradients(model, false);
    }
    return { value, traces };
  });
  const D = model.directions;
  const steps = traces.map((norms, k) => ({
    layer: Math.floor(k / D),
    direction: k % D === 0 ? ('forward' as const) : ('backward' as const),
    norms: Array.from(norms),
  }));
  const parameters = model.params.list.map((p) => {
    const g = model.params.gradView(p);
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    return { name: p.name, norm: Math.sqrt(s) };
  });
  const first = steps[0].norms;
  // The nearest step to the error is the last real one: with every length below T, the steps
  // after it are padding and carry no gradient.
  const lengths = prepared.forward.lengths;
  const nearest = lengths ? Math.max(...lengths) - 1 : first.length - 1;
  const ratio = first[0] / (first[nearest] || Number.MIN_VALUE);
  const verdict = ratio < 1e-3 ? 'vanishing' : ratio > 1e3 ? 'exploding' : 'stable';
  return { loss: value, steps, parameters, ratio, verdict };
}

/** Zeroes the loss gradient everywhere but each sequence's last step (`[B, T, F]`). */
function keepLastStep(
  g: Float32Array | Float64Array,
  shape: readonly number[],
  lengths?: Int32Array,
): void {
  const [B, T, F] = shape;
  for (let b = 0; b < B; b++) {
    const last = lastStep(lengths, b, T);
    for (let t = 0; t < T; t++) if (t !== last) g.fill(0, (b * T + t) * F, (b * T + t + 1) * F);
  }
}
