import type { RecurrentStack } from '../recurrent/stack.js';

/** The recurrent stack of each model, for the tools that trace its backward pass. */
const stacks = new WeakMap<object, RecurrentStack>();

/** Records `model`'s stack for {@link traceStepGradients} (called by the model's constructor). */
export function registerStack(model: object, stack: RecurrentStack): void {
  stacks.set(model, stack);
}

/** The recurrent stack `model` registered, if any. */
export function stackOf(model: object): RecurrentStack | undefined {
  return stacks.get(model);
}

/**
 * Makes the next backward passes of `model` record ‖dL/dh_t‖ for every step of every layer
 * and direction (`[L*D][T]`, forward direction before backward); `false` stops recording.
 * Returns the arrays the norms are written into. For the gradient-flow tool; not public.
 */
export function traceStepGradients(model: object, on: boolean): Float64Array[] {
  const stack = stacks.get(model) as RecurrentStack;
  return stack.directions.map((d) => {
    d.stepGradNorms = on ? new Float64Array(stack.T) : null;
    return d.stepGradNorms ?? new Float64Array(0);
  });
}
