import type { FloatArray } from '../tensor/dtype.js';
import { checkPositive, checkRange } from '../tensor/errors.js';

/**
 * Updates parameters in place from their gradients. Optimizers work on the model's flat
 * parameter and gradient arrays, so each update is one loop; their state is sized on the
 * first step.
 */
export interface Optimizer {
  /** Name of the algorithm, e.g. `adam`. */
  readonly name: string;
  /** Learning rate; may be changed between steps (for a schedule). Must be finite and > 0. */
  lr: number;
  /** One update of `params` from `grads` (same length). */
  step(params: FloatArray, grads: FloatArray): void;
  /** Forgets all state (moments, step count). */
  reset(): void;
}

/** Shared core: learning-rate validation, step count and lazily sized state buffers. */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  protected t = 0;
  private rate: number;
  private buffers: Float64Array[] = [];

  constructor(lr: unknown) {
    this.rate = checkPositive('lr', lr);
  }

  get lr(): number {
    return this.rate;
  }

  set lr(value: number) {
    this.rate = checkPositive('lr', value);
  }

  step(params: FloatArray, grads: FloatArray): void {
    if (params.length !== grads.length) {
      throw new RangeError(`params has ${params.length} values but grads has ${grads.length}`);
    }
    if (this.buffers.length > 0 && this.buffers[0].length !== params.length) {
      throw new RangeError(
        `this optimizer holds state for ${this.buffers[0].length} parameters, got ${params.length}`,
      );
    }
    this.t++;
    this.update(params, grads);
  }

  reset(): void {
    this.t = 0;
    this.buffers = [];
  }

  /** The `index`-th state buffer (zeros at first), one value per parameter. */
  protected state(index: number, size: number): Float64Array {
    while (this.buffers.length <= index) this.buffers.push(new Float64Array(size));
    return this.buffers[index];
  }

  protected abstract update(params: FloatArray, grads: FloatArray): void;
}

/** Validates a coefficient in [0, 1). */
export function coefficient(name: string, value: unknown, fallback: number): number {
  return checkRange(name, value ?? fallback, 0, 1);
}
