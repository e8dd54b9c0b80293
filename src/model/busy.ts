/**
 * Models whose training step is half done while `fitAsync` lets the page run: their pending
 * forward belongs to that step, so a forward or backward of the page's own would corrupt it.
 */
const busy = new WeakSet<object>();

/** Marks `model` as in the middle of a training step (or not). */
export function setMidStep(model: object, mid: boolean): void {
  if (mid) busy.add(model);
  else busy.delete(model);
}

/** @throws Error when `model` is in the middle of a `fitAsync` training step. */
export function checkNotMidStep(model: object, call: string): void {
  if (busy.has(model))
    throw new Error(
      `${call} cannot run while fitAsync is between the forward and backward pass of a batch on this model: use predict, or wait for fitAsync`,
    );
}
