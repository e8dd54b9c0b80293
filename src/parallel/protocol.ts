import type { FloatArray } from '../tensor/dtype.js';

/** A tensor as it crosses between threads (structured clone keeps the typed array). */
export interface WireTensor {
  shape: readonly number[];
  data: FloatArray;
}

/** Run the replica's forward pass on a chunk of the batch with the current weights. */
export interface ForwardJob {
  kind: 'forward';
  weights: FloatArray;
  input: WireTensor;
  lengths?: Int32Array;
  h0?: WireTensor;
  c0?: WireTensor;
  context?: WireTensor;
}

/** Backpropagate the chunk's output gradient through the replica's last forward pass. */
export interface BackwardJob {
  kind: 'backward';
  gradOutput: WireTensor;
  gradH?: WireTensor;
  gradC?: WireTensor;
  inputGrad: boolean;
}

/** Everything a worker thread is asked to do. */
export type Job = ForwardJob | BackwardJob | { kind: 'close' };

/** A worker's outputs for its chunk of a forward pass. */
export interface ForwardReply {
  output: WireTensor;
  h: WireTensor;
  c: WireTensor | null;
}

/** A worker's parameter gradients and input gradients for its chunk. */
export interface BackwardReply {
  grads: FloatArray;
  input: WireTensor | null;
  h0: WireTensor | null;
  c0: WireTensor | null;
  context: WireTensor | null;
}

/** A worker's answer: its result, or the message of the error it hit. */
export type Reply =
  { ok: true; value: ForwardReply | BackwardReply } | { ok: false; error: string };

/** Slots of the shared control array. */
export const JOB_SEQ = 0;
export const DONE_SEQ = 1;
