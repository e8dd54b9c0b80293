/**
 * Hands out 16-byte-aligned ranges of one `WebAssembly.Memory`, growing it on demand. A range
 * is known by its byte offset, which stays valid across growth. Freed ranges are reused
 * first-fit and merged with free neighbours; a free range at the top lowers the top.
 */
export class Arena {
  /** Free ranges as [offset, bytes], sorted by offset. */
  private free: [number, number][] = [];
  private top: number;

  /**
   * Ranges start at `start`, a multiple of 16 from 16 up: offset 0 means "none" to the kernels,
   * and a kernels instance keeps its constants below its `staticEnd()`, where ranges start.
   */
  constructor(
    private mem: WebAssembly.Memory,
    start: number,
  ) {
    if (start < 16 || start % 16 !== 0)
      throw new RangeError(`an arena starts at a multiple of 16 from 16, not ${start}`);
    this.top = start;
  }

  /** The memory ranges are handed out of. */
  get memory(): WebAssembly.Memory {
    return this.mem;
  }

  /** Goes on in `memory`, which holds a copy of the old one's contents (and is at least as large). */
  moveTo(memory: WebAssembly.Memory): void {
    this.mem = memory;
  }

  /** Bytes in use or free below the top: the part of the memory the arena has handed out. */
  get used(): number {
    return this.top;
  }

  /**
   * Allocates room for `n` floats (at least one) and returns its byte offset; contents are
   * unspecified. @throws RangeError when the memory cannot grow that far.
   */
  alloc(n: number): number {
    const bytes = rangeBytes(n);
    for (let i = 0; i < this.free.length; i++) {
      const [off, size] = this.free[i];
      if (size < bytes) continue;
      if (size === bytes) this.free.splice(i, 1);
      else this.free[i] = [off + bytes, size - bytes];
      return off;
    }
    const off = this.top;
    this.ensure(off + bytes);
    this.top = off + bytes;
    return off;
  }

  /** Returns the range at `offset` holding `n` floats (as given to `alloc`) for reuse. */
  release(offset: number, n: number): void {
    const bytes = rangeBytes(n);
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
    }
    const [lastOff, lastSize] = this.free[this.free.length - 1];
    if (lastOff + lastSize === this.top) {
      this.top = lastOff;
      this.free.pop();
    }
  }

  /** Grows the memory (by at least a quarter) so that `end` bytes fit. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / 65536);
    try {
      this.memory.grow(Math.max(pages, Math.ceil(have / 65536 / 4)));
    } catch {
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(
          `the model's WebAssembly memory cannot grow to ${end} bytes (it has ${have})`,
        );
      }
    }
  }
}

function rangeBytes(n: number): number {
  return Math.max(16, Math.ceil((n * 4) / 16) * 16);
}
