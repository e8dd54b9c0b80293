/** How a split forward divided its batch among the threads. */
export interface Split {
  readonly bounds: number[];
  readonly outputShape: number[];
  readonly B: number;
}

/**
 * The last forward pass as backward sees it: whether a backward may still use it (each forward
 * allows one, and a change of threads spends a split one), and how its batch was split.
 */
export class PendingForward {
  private current: Split | null = null;
  private used = false;
  private spent: string | null = null;

  /** A new forward pass, split over threads or not. */
  begin(split: Split | null): void {
    this.current = split;
    this.used = false;
    this.spent = null;
  }

  /**
   * The forward a backward may use now: its batch `last` (the local pass's, null before any)
   * and its split (null: it ran on this thread), usable until {@link use}.
   * @throws Error when there is none, or it was used or spent.
   */
  usable<T>(last: T | null): { last: T; split: Split | null } {
    if (last === null) throw new Error('backward needs a forward pass first');
    if (this.spent !== null)
      throw new Error(
        `backward cannot use the last forward pass (${this.spent}): run forward again`,
      );
    if (this.used)
      throw new Error(
        'backward already used the last forward pass (it reuses its buffers): run forward again',
      );
    return { last, split: this.current };
  }

  /** Marks the pending forward used by a backward. */
  use(): void {
    this.used = true;
  }

  /** The threads changed: a split forward not yet used backward cannot be any more. */
  threadsChanged(): void {
    if (this.current !== null && !this.used) this.spent = 'the thread count changed after it';
    this.current = null;
  }
}
