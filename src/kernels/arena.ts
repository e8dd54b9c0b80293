/**
 * Hands out float32 ranges of one `WebAssembly.Memory`, growing it on demand. A range is
 * known by its byte offset, which stays valid across growth; its `Float32Array` view does
 * not, so views are re-derived through {@link Arena.f32} after any allocation (the view
 * cache is dropped whenever `memory.buffer` changes). Ranges are 16-byte aligned, freed
 * ranges are reused first-fit and merged with free neighbours.
 */
export class Arena {
  /** Free ranges as [offset, bytes], sorted by offset. */
  private free: [number, number][] = [];
  private top: number;
  private buffer: ArrayBufferLike | null = null;
  private whole: Float32Array = new Float32Array(0);

  /** Every buffer object the memory has had: views over any of them are views into it. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  /** `growable` false: the memory keeps its size and `alloc` returns -1 when it is full. */
  constructor(
    readonly memory: WebAssembly.Memory,
    readonly growable = true,
  ) {
    this.top = 16; // offset 0 means "none" to the kernels
  }

  /** Whether `view` is a float32 view into this memory (at any size it has had). */
  owns(view: ArrayBufferView): boolean {
    return view instanceof Float32Array && this.buffers.has(view.buffer);
  }

  /**
   * Allocates room for `n` floats (at least one) and returns its byte offset, or -1 when a
   * memory that may not grow is full; contents are unspecified.
   */
  alloc(n: number): number {
    const bytes = Math.max(16, Math.ceil((n * 4) / 16) * 16);
    for (let i = 0; i < this.free.length; i++) {
      const [off, size] = this.free[i];
      if (size < bytes) continue;
      if (size === bytes) this.free.splice(i, 1);
      else this.free[i] = [off + bytes, size - bytes];
      return off;
    }
    const off = this.top;
    if (!this.ensure(off + bytes)) return -1;
    this.top = off + bytes;
    return off;
  }

  /** Returns the range at `offset` holding `n` floats (as given to `alloc`) for reuse. */
  release(offset: number, n: number): void {
    const bytes = Math.max(16, Math.ceil((n * 4) / 16) * 16);
    let i = 0;
    while (i < this.free.length && this.free[i][0] < offset) i++;
    this.free.splice(i, 0, [offset, bytes]);
    if (i + 1 < this.free.length && offset + bytes === this.free[i + 1][0]) {
      this.free[i][1] += this.free[i + 1][1];
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1][0] + this.free[i - 1][1] === offset) {
      this.free[i - 1][1] += this.free[i][1];
      this.free.splice(i, 1);
      i--;
    }
    const [lastOff, lastSize] = this.free[this.free.length - 1];
    if (lastOff + lastSize === this.top) {
      this.top = lastOff;
      this.free.pop();
    }
  }

  /** A view of `n` floats at byte `offset`, valid until the next allocation. */
  f32(offset: number, n: number): Float32Array {
    return this.heap().subarray(offset >> 2, (offset >> 2) + n);
  }

  /** A view of the whole memory as floats (index = byte offset / 4), valid until the next allocation. */
  heap(): Float32Array {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this.buffers.add(this.buffer);
      this.whole = new Float32Array(this.buffer);
    }
    return this.whole;
  }

  private ensure(end: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return true;
    if (!this.growable) return false;
    const pages = Math.ceil((end - have) / 65536);
    try {
      this.memory.grow(Math.max(pages, Math.ceil(have / 65536 / 4)));
    } catch {
      return false; // past the maximum
    }
    return true;
  }
}
