/** Gate order: rnnkit (PyTorch) rows against ONNX rows, the one place both directions use. */
import type { CellType } from 'rnnkit';

/**
 * For each ONNX gate block, the rnnkit block it holds. LSTM: rnnkit i,f,g,o and ONNX i,o,f,c;
 * GRU: rnnkit r,z,n and ONNX z,r,h; RNN: one block.
 */
const ONNX_FROM_RNNKIT: Record<CellType, readonly number[]> = {
  rnn: [0],
  lstm: [0, 3, 1, 2],
  gru: [1, 0, 2],
};

/** Gate blocks per cell. */
export function gateBlocks(cell: CellType): number {
  return ONNX_FROM_RNNKIT[cell].length;
}

/**
 * Rows of `src` (`G` blocks of `H` rows of `cols` values) reordered: block k of the result is
 * block `order[k]` of the source. Writes into `dst` at `at`.
 */
function permute(
  dst: Float32Array | Float64Array,
  at: number,
  src: ArrayLike<number>,
  from: number,
  order: readonly number[],
  block: number,
): void {
  for (let k = 0; k < order.length; k++) {
    for (let i = 0; i < block; i++) dst[at + k * block + i] = src[from + order[k] * block + i];
  }
}

/** Rnnkit rows to ONNX rows (blocks of `block` values: H rows times their columns). */
export function toOnnxGates(
  cell: CellType,
  dst: Float32Array | Float64Array,
  at: number,
  src: ArrayLike<number>,
  from: number,
  block: number,
): void {
  permute(dst, at, src, from, ONNX_FROM_RNNKIT[cell], block);
}

/** ONNX rows to rnnkit rows (the inverse of {@link toOnnxGates}). */
export function fromOnnxGates(
  cell: CellType,
  dst: Float32Array | Float64Array,
  at: number,
  src: ArrayLike<number>,
  from: number,
  block: number,
): void {
  const order = ONNX_FROM_RNNKIT[cell];
  const inverse = order.map((_, k) => order.indexOf(k));
  permute(dst, at, src, from, inverse, block);
}
