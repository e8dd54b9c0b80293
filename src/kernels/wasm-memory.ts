import type { DType, FloatArray } from '../tensor/dtype.js';
import { Arena } from './arena.js';
import { Buf, disposedError, type KernelMemory } from './memory.js';
import { instantiateKernels, type WasmInstance } from './wasm.js';

/**
 * Plain memories of disposed models, kept for the next models: disposing detached every view
 * of them, so a kept view cannot reach the model that reuses one.
 */
const spare: WasmInstance[] = [];
const SPARE_LIMIT = 4;

/**
 * One model's WebAssembly memory and the kernels instance over it. Every buffer of the model
 * is a range of it, so no view can reach another model's memory. A shared memory grows in
 * place; a plain one (pages without cross-origin isolation) moves when it grows, and
 * {@link epoch} then changes so that {@link Buf} views are re-derived.
 */
export class WasmMemory implements KernelMemory {
  epoch = 0;
  disposed = false;
  private readonly arena: Arena;
  private buffer: ArrayBufferLike;

  private constructor(readonly instance: WasmInstance) {
    this.arena = new Arena(instance.memory);
    this.buffer = instance.memory.buffer;
  }

  /**
   * A memory of its own (a spare one where there is), or null where wasm cannot run. Models
   * get a plain memory: disposing it can detach every view and hand it on, where a shared
   * one would stay allocated until the collector finds it.
   */
  static create(shared = false): WasmMemory | null {
    const reused = shared ? undefined : spare.pop();
    const instance = reused ?? instantiateKernels(shared);
    return instance === null ? null : new WasmMemory(instance);
  }

  get shared(): boolean {
    return this.instance.shared;
  }

  /** Bytes the memory holds now. */
  get byteLength(): number {
    return this.instance.memory.buffer.byteLength;
  }

  alloc(dtype: DType, length: number): Buf {
    if (this.disposed) throw disposedError();
    if (dtype !== 'float32')
      throw new TypeError(`a WebAssembly memory holds float32, not ${dtype}`);
    const address = this.arena.alloc(length);
    this.noteGrowth();
    const view = new Float32Array(this.instance.memory.buffer, address, length);
    view.fill(0);
    return new Buf(this, address, length, view);
  }

  /** Room for `floats` floats of scratch at a byte address, valid until the next `scratch`. */
  scratch(floats: number): number {
    if (floats > this.scratchLength) {
      if (this.scratchLength > 0) this.arena.release(this.scratchAt, this.scratchLength);
      this.scratchLength = Math.max(floats, 2 * this.scratchLength);
      this.scratchAt = this.arena.alloc(this.scratchLength);
      this.noteGrowth();
    }
    return this.scratchAt;
  }

  private scratchAt = 0;
  private scratchLength = 0;

  release(buf: Buf): void {
    if (!this.disposed && buf.length > 0) this.arena.release(buf.address, buf.length);
  }

  derive(buf: Buf): FloatArray {
    if (this.disposed) throw disposedError();
    return new Float32Array(this.instance.memory.buffer, buf.address, buf.length);
  }

  /**
   * Frees the memory. A plain memory's views are detached (a zero-page grow replaces its
   * buffer) and the memory is kept for a later model; a shared one is left to the collector,
   * its views reading the old contents of no other model.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.epoch = -1;
    const { memory, shared } = this.instance;
    if (shared) return;
    memory.grow(0);
    if (spare.length < SPARE_LIMIT) spare.push(this.instance);
  }

  /** A plain memory that grew has a new buffer: views derived before are detached. */
  private noteGrowth(): void {
    const now = this.instance.memory.buffer;
    if (now === this.buffer) return;
    this.buffer = now;
    if (!this.instance.shared) this.epoch++;
  }
}
