import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';

/**
 * A metric reported by {@link fit} and {@link evaluate}, over real (unmasked) steps:
 * - `accuracy`: with class-index targets, the share of steps whose largest logit is the target
 *   class; with 0/1 targets shaped like the output, the share of elements where `logit > 0`
 *   matches `target > 0.5`.
 * - `mae`, `rmse`: mean absolute error and root mean squared error per element (value targets).
 * - `perplexity`: `exp` of the mean cross-entropy per step (class-index targets), whatever the loss.
 * @category Training
 */
export type MetricName = 'accuracy' | 'mae' | 'rmse' | 'perplexity';

/**
 * Metric values by name.
 * @category Training
 */
export type Metrics = Partial<Record<MetricName, number>>;

const METRICS: readonly MetricName[] = ['accuracy', 'mae', 'rmse', 'perplexity'];
const FOR_CLASSES: readonly MetricName[] = ['accuracy', 'perplexity'];
const FOR_VALUES: readonly MetricName[] = ['accuracy', 'mae', 'rmse'];

/**
 * Validates a list of metric names against the targets: class indices (one fewer dimension than
 * the output) or values (the output's shape).
 * @throws TypeError for an unknown name or a metric that does not apply to the targets.
 */
export function checkMetrics(
  names: unknown,
  target: Tensor,
  predShape: readonly number[],
): MetricName[] {
  if (!Array.isArray(names))
    throw new TypeError(`metrics is ${describe(names)}, expected an array such as ['accuracy']`);
  const classes = target.shape.length < predShape.length;
  for (const name of names) {
    if (!METRICS.includes(name as MetricName))
      throw new TypeError(
        `metric ${describe(name)} is unknown, expected one of ${METRICS.join(', ')}`,
      );
    const fits = (classes ? FOR_CLASSES : FOR_VALUES).includes(name as MetricName);
    if (!fits)
      throw new TypeError(
        `metric '${name}' needs ${classes ? 'value targets shaped like the output' : 'class-index targets'}`,
      );
  }
  return [...(names as MetricName[])];
}

/** Running sums of metrics over batches; {@link result} gives their means. */
export class MetricSums {
  private correct = 0;
  private counted = 0;
  private absSum = 0;
  private sqSum = 0;
  private nll = 0;

  constructor(readonly names: readonly MetricName[]) {}

  /**
   * Adds one batch: `pred` `[B, T, O]` (or `[B, O]`), `target` class indices `[B, T]` (or `[B]`)
   * or values shaped like `pred`, `mask` one 0/1 per step or null.
   */
  add(pred: Tensor, target: Tensor, mask: FloatArray | null): void {
    const O = pred.shape[pred.shape.length - 1];
    const rows = pred.size / O;
    const classes = target.size === rows && target.shape.length < pred.shape.length;
    for (let r = 0; r < rows; r++) {
      if (mask !== null && mask[r] === 0) continue;
      if (classes) this.addClassRow(pred.data, r * O, O, target.data[r]);
      else this.addValueRow(pred.data, target.data, r * O, O);
    }
  }

  private addClassRow(p: FloatArray, at: number, O: number, cls: number): void {
    let best = 0;
    let max = -Infinity;
    for (let i = 0; i < O; i++) {
      if (p[at + i] > max) {
        max = p[at + i];
        best = i;
      }
    }
    let sum = 0;
    for (let i = 0; i < O; i++) sum += Math.exp(p[at + i] - max);
    this.nll += Math.log(sum) + max - p[at + cls];
    if (best === cls) this.correct++;
    this.counted++;
  }

  private addValueRow(p: FloatArray, t: FloatArray, at: number, O: number): void {
    for (let i = at; i < at + O; i++) {
      const d = p[i] - t[i];
      this.absSum += Math.abs(d);
      this.sqSum += d * d;
      if (p[i] > 0 === t[i] > 0.5) this.correct++;
    }
    this.counted += O;
  }

  /** The mean of every metric so far (NaN before anything was added). */
  result(): Metrics {
    const n = this.counted;
    const out: Metrics = {};
    for (const name of this.names) {
      if (name === 'accuracy') out.accuracy = this.correct / n;
      else if (name === 'mae') out.mae = this.absSum / n;
      else if (name === 'rmse') out.rmse = Math.sqrt(this.sqSum / n);
      else out.perplexity = Math.exp(this.nll / n);
    }
    return out;
  }
}
