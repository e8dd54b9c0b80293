import { allocate, type DType, type FloatArray } from '../tensor/dtype.js';

/**
 * Where a model's long-lived buffers live: the JavaScript heap (each buffer its own typed
 * array) or one WebAssembly memory owned by the model. Buffers are {@link Buf}s: a byte
 * address for the wasm kernels and a typed-array view for TypeScript code.
 */
export interface KernelMemory {
  /**
   * Changes whenever views derived earlier may no longer be valid (a plain WebAssembly memory
   * that grew, or was disposed); constant on the heap.
   */
  readonly epoch: number;
  /** Whether the memory was disposed: deriving a view then throws. */
  readonly disposed: boolean;
  /** A zero-filled buffer of `length` elements of `dtype` (float32 only, for a wasm memory). */
  alloc(dtype: DType, length: number): Buf;
  /** Returns `buf`'s range for reuse; the caller keeps no view of it. */
  release(buf: Buf): void;
  /** A view of `length` elements at byte `address` (wasm) or of the buffer's own array (heap). */
  derive(buf: Buf): FloatArray;
  /** Frees everything: later views throw, and views taken before read as empty where possible. */
  dispose(): void;
}

/**
 * A buffer in a {@link KernelMemory}. `address` is its byte offset in the wasm memory (0 on the
 * heap) for the kernels; `a` is its typed array, re-derived when the memory has moved, so read
 * `a` again after any allocation rather than keeping it.
 */
export class Buf {
  private view: FloatArray;
  private epoch: number;

  constructor(
    private readonly memory: KernelMemory,
    readonly address: number,
    readonly length: number,
    view: FloatArray,
  ) {
    this.view = view;
    this.epoch = memory.epoch;
  }

  /** The elements as a typed array (valid until the memory next moves). */
  get a(): FloatArray {
    if (this.epoch !== this.memory.epoch) {
      this.view = this.memory.derive(this);
      this.epoch = this.memory.epoch;
    }
    return this.view;
  }

  /** Byte address of element `i` (for the wasm kernels). */
  at(i: number): number {
    return this.address + 4 * i;
  }

  /** Elements `[start, start + length)` as a buffer of their own, sharing this one's memory. */
  sub(start: number, length: number): Buf {
    return new Buf(
      this.memory,
      this.address + 4 * start,
      length,
      this.a.subarray(start, start + length),
    );
  }

  /** Copies `src` (of at most `length` elements) to element `offset`. */
  set(src: ArrayLike<number>, offset = 0): void {
    this.a.set(src, offset);
  }

  /** A copy of the elements as a plain array of the buffer's element type. */
  copy(): FloatArray {
    return this.a.slice();
  }
}

/**
 * Buffers on the JavaScript heap: views never move. Disposing detaches every buffer still
 * held, so a kept view reads as empty.
 */
export class HeapMemory implements KernelMemory {
  epoch = 0;
  disposed = false;
  private readonly live = new Set<ArrayBufferLike>();

  alloc(dtype: DType, length: number): Buf {
    if (this.disposed) throw disposedError();
    const array = allocate(dtype, length);
    this.live.add(array.buffer);
    return new Buf(this, 0, length, array);
  }

  release(buf: Buf): void {
    if (!this.disposed) this.live.delete(buf.a.buffer);
  }

  derive(): FloatArray {
    throw disposedError();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.epoch = -1;
    for (const b of this.live) detach(b);
    this.live.clear();
  }
}

/** Detaches an ArrayBuffer (its views then have length 0) by transferring it away. */
export function detach(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer && buffer.byteLength > 0)
    structuredClone(buffer, { transfer: [buffer] });
}

/** The error every use of a disposed model's memory throws. */
export function disposedError(): Error {
  return new Error('the model was disposed: its buffers are gone');
}
