import type { FloatArray } from '../tensor/dtype.js';
import { checkPositive, checkRange } from '../tensor/errors.js';
import { checkOptimizerState, type OptimizerState } from './state.js';

export type { OptimizerState } from './state.js';

/**
 * Updates parameters in place from their gradients. Optimizers work on the model's flat
 * parameter and gradient arrays, so each update is one loop; their state is sized on the
 * first step. An optimizer with state (moments, a step count) belongs to one model: give each
 * model its own, since a second model of the same size would update from the first one's
 * moments without any error.
 * @category Optimizers
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
  /**
   * A copy of the state: name, learning rate, step count and every buffer under PyTorch's
   * name (`exp_avg`, `exp_avg_sq`, `momentum_buffer`, `sum`, `square_avg`, `grad_avg`).
   * Allocates one `Float64Array` per buffer.
   */
  stateDict(): OptimizerState;
  /**
   * Restores a state from {@link stateDict} (its arrays are copied). The dict is validated
   * whole first: the same optimizer name, a step count, exactly the buffers this optimizer's
   * options use, of one length, finite.
   * @throws TypeError/RangeError naming the bad field; nothing changes when it throws.
   */
  loadStateDict(state: OptimizerState): void;
}

/** Shared core: learning-rate validation, step count and lazily sized named state buffers. */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  protected t = 0;
  private rate: number;
  private buffers = new Map<string, Float64Array>();

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
    const held = this.buffers.values().next().value;
    if (held !== undefined && held.length !== params.length) {
      throw new RangeError(
        `this optimizer holds state for ${held.length} parameters, got ${params.length}`,
      );
    }
    this.t++;
    this.update(params, grads);
  }

  reset(): void {
    this.t = 0;
    this.buffers = new Map();
  }

  stateDict(): OptimizerState {
    const state: Record<string, Float64Array> = {};
    for (const [key, buf] of this.buffers) state[key] = buf.slice();
    return { name: this.name, lr: this.rate, step: this.t, state };
  }

  loadStateDict(state: OptimizerState): void {
    const keys = this.stateKeys();
    const checked = checkOptimizerState(state, this.name, keys);
    const buffers = new Map<string, Float64Array>();
    for (const key of keys) {
      const values = checked.state[key];
      if (values !== undefined) buffers.set(key, Float64Array.from(values));
    }
    this.rate = checked.lr;
    this.t = checked.step;
    this.buffers = buffers;
  }

  /** Names of the buffers this optimizer's options use, in PyTorch's terms. */
  protected abstract stateKeys(): readonly string[];

  /** The buffer `key` (zeros at first), one value per parameter. */
  protected state(key: string, size: number): Float64Array {
    let buf = this.buffers.get(key);
    if (buf === undefined) {
      buf = new Float64Array(size);
      this.buffers.set(key, buf);
    }
    return buf;
  }

  protected abstract update(params: FloatArray, grads: FloatArray): void;
}

/** Validates a coefficient in [0, 1). */
export function coefficient(name: string, value: unknown, fallback: number): number {
  return checkRange(name, value ?? fallback, 0, 1);
}
