/**
 * What {@link fit} reads of a cancellation signal: an `AbortSignal` (from an
 * `AbortController`) fits, and so does any object with an `aborted` flag. Typed structurally so
 * that the typings need neither the DOM nor Node's type definitions.
 * @category Training
 */
export interface AbortSignalLike {
  /** True once training should stop; read before every batch. */
  readonly aborted: boolean;
}
