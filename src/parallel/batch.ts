import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Splits `B` rows into at most `parts` nearly equal chunks, none empty (fewer chunks when
 * `B < parts`): the boundaries `[0, b1, ..., B]`.
 */
export function splitBounds(B: number, parts: number): number[] {
  const n = Math.max(1, Math.min(parts, B));
  const bounds = [0];
  for (let i = 1; i <= n; i++) bounds.push(Math.round((B * i) / n));
  return bounds;
}

/** Rows `[from, to)` of the first dimension (a batch-first tensor). */
export function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const width = t.size / t.shape[0];
  return new Tensor([to - from, ...t.shape.slice(1)], t.data.slice(from * width, to * width));
}

/** Columns `[from, to)` of the second dimension of a `[S, B, H]` state tensor. */
export function sliceStates(t: Tensor, from: number, to: number): Tensor {
  const [S, B, H] = t.shape;
  const out = new Tensor([S, to - from, H], t.dtype);
  for (let s = 0; s < S; s++)
    out.data.set(t.data.subarray((s * B + from) * H, (s * B + to) * H), s * (to - from) * H);
  return out;
}

/** Concatenates tensors along the first dimension. */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const rows = parts.reduce((n, p) => n + p.shape[0], 0);
  const out = allocate(
    parts[0].dtype,
    parts.reduce((n, p) => n + p.size, 0),
  );
  let offset = 0;
  for (const p of parts) {
    out.set(p.data, offset);
    offset += p.size;
  }
  return new Tensor([rows, ...parts[0].shape.slice(1)], out);
}

/** Concatenates `[S, B_i, H]` state tensors along the batch dimension. */
export function concatStates(parts: readonly Tensor[]): Tensor {
  const [S, , H] = parts[0].shape;
  const B = parts.reduce((n, p) => n + p.shape[1], 0);
  const out = new Tensor([S, B, H], parts[0].dtype);
  let b0 = 0;
  for (const p of parts) {
    const Bi = p.shape[1];
    for (let s = 0; s < S; s++)
      out.data.set(p.data.subarray(s * Bi * H, (s + 1) * Bi * H), (s * B + b0) * H);
    b0 += Bi;
  }
  return out;
}
