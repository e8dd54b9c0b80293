import { allocate, type DType, type FloatArray } from './dtype.js';

/**
 * The source of every long-lived buffer: the parameter store's arrays and the recurrent
 * workspaces. Results handed to users are plain arrays and do not come from here.
 */
export interface BufferAllocator {
  /** A zero-filled array of `length` elements of `dtype`. */
  allocate(dtype: DType, length: number): FloatArray;
}

/** Buffers on the JavaScript heap. */
export const heapAllocator: BufferAllocator = { allocate };

let current: BufferAllocator = heapAllocator;

/**
 * A zero-filled parameter or workspace buffer of `length` elements of `dtype`, from the
 * allocator set by {@link setBufferAllocator} (the JavaScript heap by default).
 */
export function allocateBuffer(dtype: DType, length: number): FloatArray {
  return current.allocate(dtype, length);
}

/** Makes later {@link allocateBuffer} calls use `allocator`; buffers already made stay where they are. */
export function setBufferAllocator(allocator: BufferAllocator): void {
  current = allocator;
}
