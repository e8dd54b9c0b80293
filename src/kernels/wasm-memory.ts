import type { DType, FloatArray } from '../tensor/dtype.js';
import { Arena } from './arena.js';
import { Buf, disposedError, type KernelMemory } from './memory.js';
import {
  BATCH_VECTOR_KERNELS,
  ROW_KERNEL_NAMES,
  type BatchVectorKernel,
  type RowKernel,
} from './row-kernels.js';
import {
  instantiateKernels,
  instantiateShared,
  type WasmExports,
  type WasmInstance,
} from './wasm.js';

/**
 * Plain memories of disposed models, kept for the next models: disposing detached every view
 * of them, so a kept view cannot reach the model that reuses one.
 */
const spare: WasmInstance[] = [];
const SPARE_LIMIT = 4;

/** What takes shares of a memory's kernels on other threads (a `KernelTeam`, team.ts). */
export interface KernelSharing {
  gemm(k: WasmExports, ...args: Parameters<WasmExports['gemm']>): void;
  gemmPackedB(k: WasmExports, ...args: Parameters<WasmExports['gemmPackedB']>): void;
  rows(k: WasmExports, name: RowKernel, args: number[]): void;
  batchRows(k: WasmExports, name: BatchVectorKernel, args: number[]): void;
  byRows(rows: number, work: number, f: () => void): void;
  postRows(): void;
  settle(): void;
}

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
  private teamExports: WasmExports | null = null;
  private team: KernelSharing | null = null;

  private constructor(private current: WasmInstance) {
    this.arena = new Arena(current.memory, current.exports.staticEnd());
    this.buffer = current.memory.buffer;
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

  /** The kernels instance over this memory. */
  get instance(): WasmInstance {
    return this.current;
  }

  /** The compiled kernels module. */
  get module(): WebAssembly.Module {
    return this.current.module;
  }

  /**
   * The kernels to call: the instance's own, or while a team of threads works in this
   * memory, the same functions with the products shared among its threads.
   */
  get exports(): WasmExports {
    return this.teamExports ?? this.current.exports;
  }

  /**
   * Runs `f`, a loop whose kernel calls each cover the `rows` rows of a batch row by row, with
   * a team's threads each taking the same rows of every call, a step at a time
   * ({@link postRows}) and without waiting for each other between steps (`KernelTeam.byRows`);
   * without a team, just runs it. `work` is the multiply-adds of a step.
   */
  byRows(rows: number, work: number, f: () => void): void {
    if (this.team === null) f();
    else this.team.byRows(rows, work, f);
  }

  /** Inside {@link byRows}: the step's calls so far go to the threads. */
  postRows(): void {
    this.team?.postRows();
  }

  /**
   * Inside {@link byRows}: waits until every thread has made the calls so far, before the
   * caller reads or writes memory itself.
   */
  settle(): void {
    this.team?.settle();
  }

  /** Routes the products through `team` (null: back to the calling thread alone). */
  useTeam(team: KernelSharing | null): void {
    this.team = team;
    if (team === null) {
      this.teamExports = null;
      return;
    }
    const k = this.current.exports;
    // Every other kernel first makes the calls of an open batch (byRows), whose results it may read.
    const shared = { ...k } as Record<string, unknown>;
    for (const [name, f] of Object.entries(k)) {
      if (typeof f !== 'function') continue;
      const call = f as (...a: unknown[]) => unknown;
      shared[name] = (...args: unknown[]): unknown => {
        team.settle();
        return call(...args);
      };
    }
    Object.assign(shared, {
      gemm: (...args: Parameters<WasmExports['gemm']>) => team.gemm(k, ...args),
      gemmPackedB: (...args: Parameters<WasmExports['gemmPackedB']>) =>
        team.gemmPackedB(k, ...args),
    });
    for (const name of BATCH_VECTOR_KERNELS) {
      const rows = (...args: number[]): void => team.batchRows(k, name, args);
      Object.assign(shared, { [name]: rows });
    }
    for (const name of ROW_KERNEL_NAMES) {
      const rows = (...args: (number | boolean)[]): void => team.rows(k, name, args.map(Number));
      Object.assign(shared, { [name]: rows });
    }
    this.teamExports = shared as unknown as WasmExports;
  }

  /**
   * A new instance of the kernels over a shared memory, for {@link moveTo}: worker threads can
   * be started on it before the model moves.
   * @throws Error where shared memories cannot be made (a page without cross-origin isolation).
   */
  static sharedInstance(): WasmInstance {
    const next = instantiateShared();
    if (next !== null) return next;
    throw new Error(
      'threads need a shared WebAssembly memory, which needs SharedArrayBuffer: in a page, ' +
        'cross-origin isolation (the headers Cross-Origin-Opener-Policy: same-origin and ' +
        'Cross-Origin-Embedder-Policy: require-corp)',
    );
  }

  /**
   * Moves the contents to `next`'s (shared) memory and goes on there. Every buffer keeps its
   * address; views taken before read as empty (the old memory is detached, as when a plain
   * memory grows), so they are re-read from the buffers.
   */
  moveTo(next: WasmInstance): void {
    if (this.disposed) throw disposedError();
    const old = this.current;
    const bytes = old.memory.buffer.byteLength;
    const have = next.memory.buffer.byteLength;
    if (bytes > have) next.memory.grow((bytes - have) / 65536);
    new Uint8Array(next.memory.buffer).set(new Uint8Array(old.memory.buffer));
    this.current = next;
    this.arena.moveTo(next.memory);
    this.buffer = next.memory.buffer;
    this.epoch++;
    if (old.shared) return;
    old.memory.grow(0);
    if (spare.length < SPARE_LIMIT) spare.push(old);
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

  /**
   * Room for `floats` floats of scratch at a byte address, valid until the next `scratch` of
   * the same `slot`: slot 0 is the calling thread's, slot i the i-th worker thread's.
   */
  scratch(floats: number, slot = 0): number {
    const at = this.scratchAt;
    const length = this.scratchLength;
    if (floats > (length[slot] ?? 0)) {
      // Calls posted to a team's threads may still use the scratch given before.
      this.team?.settle();
      if (length[slot] > 0) this.arena.release(at[slot], length[slot]);
      length[slot] = Math.max(floats, 2 * (length[slot] ?? 0));
      at[slot] = this.arena.alloc(length[slot]);
      this.noteGrowth();
    }
    return at[slot];
  }

  private readonly scratchAt: number[] = [];
  private readonly scratchLength: number[] = [];

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
