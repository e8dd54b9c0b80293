// Entry of the f32 SIMD kernels module: every export takes byte offsets into the imported
// memory and element counts, checks nothing and allocates nothing. The module's constants are
// static data from byte 16 up to `staticEnd()`; callers place their buffers above it.

/** The first byte above the module's static data (16-byte aligned). */
export function staticEnd(): usize {
  return (__heap_base + 15) & ~15;
}

export { addColumnSums, addInto, addRows, copyRows } from './vector';
export { sigmoidInto, tanhInto } from './activation';
export { gemm, gemmPackedB, gemmScratch } from './gemm';
export { gemmPackedBShare, gemmShare } from './share';
export { packB, packBStacked, packedSize, panelScratch } from './pack';
export { gruBackward, gruForward, lstmBackward, lstmForward, rnnBackward, rnnForward } from './cells';
