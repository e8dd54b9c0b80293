import { Rng, type RngState } from '../tensor/rng.js';
import type { RecurrentStack } from '../recurrent/stack.js';
import { stackOf } from './trace.js';

/** Each stack's mode, so that training tools can save and restore the mask generator. */
const modes = new WeakMap<RecurrentStack, DropoutMode>();

/**
 * A model's training or evaluation mode: in training mode the stack applies dropout `p` (when
 * > 0) with masks from a generator owned here; in evaluation mode it applies none.
 */
export class DropoutMode {
  training = true;
  private rng: Rng;

  constructor(
    private readonly stack: RecurrentStack,
    private readonly p: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    modes.set(stack, this);
    this.train();
  }

  /** The mask generator's state. */
  get generator(): RngState {
    return this.rng.getState();
  }

  /** Puts back a mask generator state (the generator object stays the one the stack holds). */
  set generator(state: RngState) {
    this.rng.setState(state);
  }

  /** Training mode; `seed` restarts the mask generator. */
  train(seed?: number): void {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.training = true;
    this.stack.dropout = this.p > 0 ? { p: this.p, rng: this.rng } : null;
  }

  /** Evaluation mode: no dropout. */
  eval(): void {
    this.training = false;
    this.stack.dropout = null;
  }

  /** Runs `f` in evaluation mode, then puts back the mode it found. */
  evaluating<T>(f: () => T): T {
    const training = this.training;
    this.eval();
    try {
      return f();
    } finally {
      if (training) this.train();
    }
  }
}

/** The dropout mode of a model (by the stack it registered), or null for an unknown object. */
export function dropoutModeOf(model: object): DropoutMode | null {
  const stack = stackOf(model);
  return (stack === undefined ? undefined : modes.get(stack)) ?? null;
}
