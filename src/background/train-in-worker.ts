import { Model } from '../model/model.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { checkInt, checkKeys, describe } from '../tensor/errors.js';
import type { DType } from '../tensor/dtype.js';
import { toTensor } from '../nn/validate.js';
import type { BatchInfo, Dataset, EpochInfo, FitHistory } from '../train/fit.js';
import {
  isReply,
  type MessageEndpoint,
  type ReplyMessage,
  type TrainMessage,
  type WireDataset,
  type WireTensor,
} from './messages.js';

/**
 * Where training stood when a snapshot of the weights was taken (`batch` is -1 at an epoch's end).
 * @category Threads & workers
 */
export interface SnapshotInfo {
  /** The epoch trained when the weights were copied (0-based, as in {@link EpochInfo}). */
  epoch: number;
  /** The batch just trained in that epoch (0-based), or -1 for the end of the epoch. */
  batch: number;
}

/**
 * Options of {@link trainInWorker}.
 * @category Threads & workers
 */
export interface WorkerTrainingOptions {
  /** The training data, copied to the worker (the caller's arrays are left as they are). */
  data: Dataset;
  /** Validation data, copied to the worker; its loss is in each epoch's `valLoss`. */
  validation?: Dataset;
  /**
   * Handed as it is to the worker's `configure` function, which turns it into the loss, the
   * optimizer and the loop options. Must survive structured cloning (numbers, strings, plain
   * objects and arrays).
   */
  settings?: unknown;
  /** Also send the weights every this many batches (default 0: only after every epoch). */
  snapshotEvery?: number;
  /** Called on this thread after every batch the worker trained. */
  onBatch?: (info: BatchInfo) => void;
  /** Called on this thread after every epoch. */
  onEpoch?: (info: EpochInfo) => void;
  /** Called on this thread when the model has just received newer weights. */
  onSnapshot?: (info: SnapshotInfo) => void;
}

/**
 * A training running in a worker, as seen from the thread that started it.
 * @category Threads & workers
 */
export interface WorkerTraining {
  /** Asks the worker to stop after its current batch; `done` then resolves with `aborted: true`. */
  stop(): void;
  /**
   * Resolves when training ends, after the model received the final weights. Rejects with the
   * worker's error (a `TypeError` or `RangeError` for bad data or options, as {@link fit} throws).
   */
  readonly done: Promise<FitHistory>;
}

let nextId = 1;

const OPTION_KEYS = [
  'data',
  'validation',
  'settings',
  'snapshotEvery',
  'onBatch',
  'onEpoch',
  'onSnapshot',
];

/**
 * Trains `model` in a worker that runs {@link serveTraining}, so this thread (a page's main
 * thread) never blocks on a batch. The model's options and weights and the data are copied to the
 * worker; the worker trains its copy with {@link fitAsync} and sends progress back. The weights of
 * `model` are replaced in place with every snapshot and at the end, so between snapshots it can
 * be used here (to predict or generate) while the worker trains; don't train it here meanwhile.
 *
 * `worker` is a `Worker`, or any endpoint with `postMessage` and `addEventListener` (such as a
 * `MessagePort` whose other end is served). The worker is not terminated at the end.
 *
 * @throws TypeError or RangeError at once for a bad model, worker or option, data that cannot
 *   become tensors, or settings that cannot be sent; everything else (shapes against the model,
 *   the loss's targets, the worker's options) rejects `done`.
 * @example
 * ```ts
 * import { MessageChannel } from 'node:worker_threads';
 * import { Model, adam, mseLoss, serveTraining, trainInWorker } from 'rnnkit';
 * // In a page the endpoint is a Worker whose script calls serveTraining(self, ...).
 * const { port1, port2 } = new MessageChannel();
 * serveTraining(port2, () => ({ loss: mseLoss(), optimizer: adam(), epochs: 2 }));
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const data = { inputs: [[[1], [0]]], targets: [[[0], [1]]] };
 * const history = await trainInWorker(port1, model, { data }).done; // model holds the new weights
 * console.log(history.epochs.length); // 2
 * port1.close();
 * ```
 * @category Threads & workers
 */
export function trainInWorker(
  worker: MessageEndpoint,
  model: Model,
  options: WorkerTrainingOptions,
): WorkerTraining {
  if (!(model instanceof Model))
    throw new TypeError(`model is ${describe(model)}, expected a Model`);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`trainInWorker options is ${describe(options)}, expected { data, ... }`);
  checkKeys('trainInWorker options', options, OPTION_KEYS);
  if (
    typeof worker !== 'object' ||
    worker === null ||
    typeof worker.postMessage !== 'function' ||
    typeof worker.addEventListener !== 'function'
  )
    throw new TypeError(`worker is ${describe(worker)}, expected a Worker or a MessagePort`);
  const snapshotEvery = checkInt('snapshotEvery', options.snapshotEvery ?? 0, 0);
  const dtype = model.options.dtype;
  // Token ids [N, T] for a model with an embedding, else features [N, T, I].
  const rank = model.options.embedding === null ? 3 : 2;
  const id = nextId++;
  const request: TrainMessage = {
    kind: 'rnnkit-train',
    id,
    model: model.toJSON(),
    data: toWire('data', options.data, dtype, rank),
    validation:
      options.validation === undefined
        ? undefined
        : toWire('validation', options.validation, dtype, rank),
    settings: options.settings,
    snapshotEvery,
  };
  try {
    worker.postMessage(request, []);
  } catch (error) {
    throw new TypeError(
      `trainInWorker could not send the request to the worker (settings must survive structured cloning): ${String(error)}`,
    );
  }
  let finished = false;
  // Replies arrive as later events, so listening after posting misses none.
  const done = new Promise<FitHistory>((resolve, reject) => {
    const listener = (event: { data: unknown }): void => {
      if (!isReply(event.data) || event.data.id !== id) return;
      const reply = event.data;
      if (reply.kind === 'rnnkit-done' || reply.kind === 'rnnkit-error') {
        finished = true;
        worker.removeEventListener('message', listener);
      }
      settle(reply, model, options, resolve, reject);
    };
    worker.addEventListener('message', listener);
  });
  return {
    stop() {
      if (!finished) worker.postMessage({ kind: 'rnnkit-stop', id }, []);
    },
    done,
  };
}

function settle(
  reply: ReplyMessage,
  model: Model,
  options: WorkerTrainingOptions,
  resolve: (history: FitHistory) => void,
  reject: (error: Error) => void,
): void {
  switch (reply.kind) {
    case 'rnnkit-batch':
      options.onBatch?.(reply.info);
      return;
    case 'rnnkit-epoch':
      options.onEpoch?.(reply.info);
      return;
    case 'rnnkit-snapshot':
      model.params.values.set(reply.values);
      options.onSnapshot?.({ epoch: reply.epoch, batch: reply.batch });
      return;
    case 'rnnkit-done':
      model.params.values.set(reply.values);
      resolve(reply.history);
      return;
    case 'rnnkit-error':
      reject(toError(reply.name, reply.message));
  }
}

function toError(name: string, message: string): Error {
  if (name === 'TypeError') return new TypeError(message);
  if (name === 'RangeError') return new RangeError(message);
  const error = new Error(message);
  error.name = name;
  return error;
}

function toWire(name: string, data: Dataset, dtype: DType, rank: number): WireDataset {
  if (typeof data !== 'object' || data === null)
    throw new TypeError(`${name} is ${describe(data)}, expected { inputs, targets }`);
  checkKeys(name, data, ['inputs', 'targets', 'lengths', 'mask', 'contexts']);
  const wire: WireDataset = {
    inputs: wireTensor(toTensor(`${name}.inputs`, data.inputs, rank, dtype)),
    targets: wireTensor(asTensor(`${name}.targets`, data.targets, dtype)),
  };
  if (data.lengths !== undefined) {
    if (!Array.isArray(data.lengths))
      throw new TypeError(`${name}.lengths is ${describe(data.lengths)}, expected an array`);
    wire.lengths = [...data.lengths];
  }
  if (data.mask !== undefined)
    wire.mask = wireTensor(toTensor(`${name}.mask`, data.mask, 2, dtype));
  if (data.contexts !== undefined)
    wire.contexts = wireTensor(toTensor(`${name}.contexts`, data.contexts, 2, dtype));
  return wire;
}

function asTensor(name: string, value: Tensor | NestedArray, dtype: DType): Tensor {
  if (value instanceof Tensor) return value;
  if (!Array.isArray(value))
    throw new TypeError(`${name} is ${describe(value)}, expected a Tensor or nested arrays`);
  return Tensor.from(value, dtype);
}

function wireTensor(t: Tensor): WireTensor {
  return { shape: [...t.shape], data: t.data };
}
