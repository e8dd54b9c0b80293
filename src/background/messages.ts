import type { FloatArray } from '../tensor/dtype.js';
import type { BatchInfo, EpochInfo, FitHistory } from '../train/fit.js';

/**
 * Either end of a message channel: a `Worker` seen from the page, the worker's own global scope
 * (`self`) seen from inside it, or a `MessagePort`. Only these three methods are used.
 * @category Threads & workers
 */
export interface MessageEndpoint {
  /** Sends `message` to the other end by structured cloning, moving the `transfer` buffers. */
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** Calls `listener` with every message that arrives from the other end. */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** Stops calling `listener`. */
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/** A tensor as it crosses to the worker: structured cloning keeps the typed array. */
export interface WireTensor {
  shape: readonly number[];
  data: FloatArray;
}

/** A dataset as it crosses to the worker: every field a tensor. */
export interface WireDataset {
  inputs: WireTensor;
  targets: WireTensor;
  lengths?: readonly number[];
  mask?: WireTensor;
  contexts?: WireTensor;
}

/** Starts training in the worker. */
export interface TrainMessage {
  kind: 'rnnkit-train';
  /** Tags every reply to this request, so several trainings can share a channel. */
  id: number;
  model: unknown;
  data: WireDataset;
  validation?: WireDataset;
  settings: unknown;
  snapshotEvery: number;
}

/** Stops the running training after its current batch. */
export interface StopMessage {
  kind: 'rnnkit-stop';
  id: number;
}

/** What the page sends the worker. */
export type RequestMessage = TrainMessage | StopMessage;

/** What the worker sends back while training and when it ends. */
export type ReplyMessage = { id: number } & (
  | { kind: 'rnnkit-batch'; info: BatchInfo }
  | { kind: 'rnnkit-epoch'; info: EpochInfo }
  | { kind: 'rnnkit-snapshot'; values: FloatArray; epoch: number; batch: number }
  | { kind: 'rnnkit-done'; history: FitHistory; values: FloatArray }
  | { kind: 'rnnkit-error'; name: string; message: string }
);

const REPLY_KINDS = new Set([
  'rnnkit-batch',
  'rnnkit-epoch',
  'rnnkit-snapshot',
  'rnnkit-done',
  'rnnkit-error',
]);

/** True for a message of this protocol's replies (other messages on the channel are left alone). */
export function isReply(data: unknown): data is ReplyMessage {
  return typeof data === 'object' && data !== null && REPLY_KINDS.has((data as ReplyMessage).kind);
}

/** True for a request of this protocol. */
export function isRequest(data: unknown): data is RequestMessage {
  const kind = typeof data === 'object' && data !== null ? (data as RequestMessage).kind : null;
  return kind === 'rnnkit-train' || kind === 'rnnkit-stop';
}
