// Entry of the f32 SIMD kernels module: every export takes byte offsets into the imported
// memory and element counts, checks nothing and allocates nothing.

export { addColumnSums, addInto, addRows, copyRows } from './vector';
export { sigmoidInto, tanhInto } from './activation';
export { gemm, gemmPackedB, gemmScratch } from './gemm';
export { gemmPackedBShare, gemmShare } from './share';
export { packB, packedSize, panelScratch } from './pack';
export { gruBackward, gruForward, lstmBackward, lstmForward, rnnBackward, rnnForward } from './cells';
