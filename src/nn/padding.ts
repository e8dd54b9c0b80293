/**
 * The padding rule, in one place: in a batch padded to `T` steps, sequence `b` has
 * `lengths[b]` real steps (all `T` when `lengths` is null); the steps after them are padding.
 */

/** Whether step `t` of sequence `b` is a real step, not padding. */
export function isRealStep(
  lengths: ArrayLike<number> | null | undefined,
  b: number,
  t: number,
): boolean {
  return lengths === null || lengths === undefined || t < lengths[b];
}

/** The index of the last real step of sequence `b` in a batch padded to `T` steps. */
export function lastStep(
  lengths: ArrayLike<number> | null | undefined,
  b: number,
  T: number,
): number {
  return lengths === null || lengths === undefined ? T - 1 : lengths[b] - 1;
}
