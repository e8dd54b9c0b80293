import type { Rng } from '../tensor/rng.js';
import { checkInt, checkKeys, checkPositive, checkRange, describe } from '../tensor/errors.js';

/**
 * How {@link Sampler} picks a token from logits.
 * @category Text
 */
export interface SamplingOptions {
  /** Divides the logits before the softmax (default 1). 0 means greedy: always the argmax. */
  temperature?: number;
  /** Keep only the k most probable tokens (default: all). */
  topK?: number;
  /** Keep the smallest set of most probable tokens whose probability reaches p, in (0, 1] (default 1: all). */
  topP?: number;
}

/**
 * Writes `softmax(logits[offset .. offset+n) / temperature)` into `out[0 .. n)`, n = `out.length`,
 * computed stably (the largest logit is subtracted first). Allocates nothing.
 * @throws RangeError when `logits` has fewer than `offset + n` values or the temperature is not > 0.
 * @example
 * ```ts
 * import { softmax } from 'rnnkit';
 * const p = softmax(new Float64Array(3), [1, 2, 3]);
 * console.log(Array.from(p)); // [0.090…, 0.244…, 0.665…]
 * ```
 * @category Text
 */
export function softmax(
  out: Float64Array | Float32Array,
  logits: ArrayLike<number>,
  temperature = 1,
  offset = 0,
): Float64Array | Float32Array {
  checkPositive('temperature', temperature);
  const n = out.length;
  if (!Number.isInteger(offset) || offset < 0 || logits.length < offset + n) {
    throw new RangeError(
      `logits has ${logits.length} values, expected at least ${n} after offset ${describe(offset)}`,
    );
  }
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp((logits[offset + i] - max) / temperature);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

/**
 * Index of the largest of `values[offset .. offset+n)` (the first one on ties); n defaults to the rest.
 * @example
 * ```ts
 * import { argmax } from 'rnnkit';
 * console.log(argmax([0.1, 0.7, 0.2]), argmax([5, 1, 9, 9], 1, 3)); // 1 1 (index within the slice)
 * ```
 * @category Text
 */
export function argmax(values: ArrayLike<number>, offset = 0, n = values.length - offset): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

/**
 * Draws tokens from logits over a vocabulary of `size` tokens: softmax with a temperature, then
 * optional top-k and top-p (nucleus) filtering, then one draw from the given seeded `Rng`. It owns
 * its buffers (probabilities and a sort order, allocated once), so sampling allocates nothing.
 *
 * @example
 * ```ts
 * import { Rng, Sampler } from 'rnnkit';
 * const sampler = new Sampler(4, { temperature: 0.8, topK: 2 });
 * const id = sampler.sample([2, 1, 0, -1], new Rng(1)); // 0 or 1: only the two largest logits
 * console.log(id);
 * ```
 * @category Text
 */
export class Sampler {
  /** Vocabulary size V: logits per draw. */
  readonly size: number;
  /** Divides the logits before the softmax; 0 is greedy. */
  readonly temperature: number;
  /** Tokens kept by top-k filtering (V: all). */
  readonly topK: number;
  /** Probability mass kept by nucleus filtering (1: all). */
  readonly topP: number;
  /** The probabilities of the last {@link sample} after filtering (zeros outside the kept set). */
  readonly probs: Float64Array;
  private readonly order: Int32Array;

  /** @throws TypeError/RangeError for an invalid size or option. */
  constructor(size: number, options: SamplingOptions = {}) {
    checkKeys('sampling options', options, ['temperature', 'topK', 'topP']);
    this.size = checkInt('size', size);
    this.temperature = checkPositive('temperature', options.temperature ?? 1, true);
    this.topK = Math.min(size, checkInt('topK', options.topK ?? size));
    this.topP = checkRange('topP', options.topP ?? 1, 0, 1, true);
    if (this.topP === 0) throw new RangeError('topP is 0, expected a number in (0, 1]');
    this.probs = new Float64Array(size);
    this.order = new Int32Array(size);
  }

  /**
   * One token id in [0, size) drawn from `logits[offset .. offset+size)` (the argmax when the
   * temperature is 0). Consumes one number of `rng` unless greedy.
   */
  sample(logits: ArrayLike<number>, rng: Rng, offset = 0): number {
    if (this.temperature === 0) {
      if (logits.length < offset + this.size)
        throw new RangeError(`logits has ${logits.length} values, expected ${offset + this.size}`);
      return argmax(logits, offset, this.size);
    }
    const p = softmax(this.probs, logits, this.temperature, offset);
    if (this.topK < this.size || this.topP < 1) this.filter();
    let total = 0;
    for (let i = 0; i < this.size; i++) total += p[i];
    let u = rng.next() * total;
    let last = 0;
    for (let i = 0; i < this.size; i++) {
      if (p[i] === 0) continue;
      last = i;
      u -= p[i];
      if (u < 0) return i;
    }
    return last;
  }

  /** Zeroes every probability outside the top-k and top-p sets. */
  private filter(): void {
    const p = this.probs;
    const order = this.order;
    for (let i = 0; i < this.size; i++) order[i] = i;
    sortByProbability(order, p);
    let kept = 0;
    let mass = 0;
    while (kept < this.topK && (kept === 0 || mass < this.topP)) mass += p[order[kept++]];
    for (let i = kept; i < this.size; i++) p[order[i]] = 0;
  }
}

/** Heap sort of `order` by falling `p[order[i]]`, in place (ties: lower index first). */
function sortByProbability(order: Int32Array, p: Float64Array): void {
  const n = order.length;
  for (let i = (n >> 1) - 1; i >= 0; i--) sift(order, p, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = order[0];
    order[0] = order[end];
    order[end] = t;
    sift(order, p, 0, end);
  }
}

/** True when token `a` sorts after token `b` (lower probability, or equal and a higher index). */
function after(p: Float64Array, a: number, b: number): boolean {
  return p[a] < p[b] || (p[a] === p[b] && a > b);
}

/** Restores the heap below `root` (the root holds the token that sorts last). */
function sift(order: Int32Array, p: Float64Array, root: number, end: number): void {
  for (;;) {
    let child = 2 * root + 1;
    if (child >= end) return;
    if (child + 1 < end && after(p, order[child + 1], order[child])) child++;
    if (!after(p, order[child], order[root])) return;
    const t = order[root];
    order[root] = order[child];
    order[child] = t;
    root = child;
  }
}
