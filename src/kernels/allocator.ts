import { setBufferAllocator } from '../tensor/buffers.js';
import { allocate, type DType, type FloatArray } from '../tensor/dtype.js';
import { activeRuntime, existingRuntime, wasmRuntime } from './backend.js';

interface Range {
  offset: number;
  length: number;
}

/** Returns a buffer's range to the arena once nothing references its view any more. */
const releases =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Range>((r) => wasmRuntime()?.arena.release(r.offset, r.length))
    : null;

/**
 * A zero-filled long-lived buffer (parameters, gradients, workspaces): a float32 view into the
 * WebAssembly memory when the wasm backend is active and has room, otherwise a plain typed
 * array. The range returns to the arena when the view is garbage-collected, so a buffer must
 * not outlive its view through a `subarray` of it.
 */
export function allocateKernelBuffer(dtype: DType, length: number): FloatArray {
  const rt = dtype === 'float32' ? activeRuntime() : null;
  if (rt === null || length === 0) return allocate(dtype, length);
  const offset = rt.arena.alloc(length);
  if (offset < 0) return allocate(dtype, length);
  const view = rt.arena.f32(offset, length);
  view.fill(0);
  releases?.register(view, { offset, length });
  return view;
}

/** Whether every non-empty array is a float32 view into the WebAssembly memory, so the wasm kernels can run on them. */
export function inWasm(...arrays: FloatArray[]): boolean {
  const rt = existingRuntime();
  if (rt === null) return false;
  for (const a of arrays) if (a.length > 0 && !rt.arena.owns(a)) return false;
  return true;
}

let scratchOffset = 0;
let scratchLength = 0;

/** Byte offset of a scratch range of at least `n` floats for the kernels' packed copies, or -1. */
export function kernelScratch(n: number): number {
  if (n <= scratchLength) return scratchOffset;
  const arena = wasmRuntime()!.arena;
  if (scratchLength > 0) arena.release(scratchOffset, scratchLength);
  const length = Math.max(n, 2 * scratchLength);
  const offset = arena.alloc(length);
  scratchOffset = offset < 0 ? 0 : offset;
  scratchLength = offset < 0 ? 0 : length;
  return offset;
}

// Every parameter, gradient and workspace buffer comes from here from now on.
setBufferAllocator({ allocate: allocateKernelBuffer });
