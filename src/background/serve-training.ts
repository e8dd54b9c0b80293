import { Model } from '../model/model.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';
import type { FloatArray } from '../tensor/dtype.js';
import { fitAsync, type Dataset, type FitOptions } from '../train/fit.js';
import {
  isRequest,
  type MessageEndpoint,
  type ReplyMessage,
  type TrainMessage,
  type WireDataset,
  type WireTensor,
} from './messages.js';

/**
 * The options a worker's `configure` function returns: {@link FitOptions} without the callbacks,
 * the signal and the validation data, which {@link trainInWorker} supplies.
 * @category Threads & workers
 */
export type WorkerFitOptions = Omit<FitOptions, 'onBatch' | 'onEpoch' | 'signal' | 'validation'>;

/**
 * Runs in a worker (`serveTraining(self, configure)`): answers {@link trainInWorker} from the page.
 * For each request it rebuilds the model from its JSON, calls `configure(settings)` for the loss,
 * optimizer and loop options (functions cannot cross threads, so they are made here), trains with
 * {@link fitAsync}, and posts every batch and epoch, a copy of the weights after every epoch (and
 * every `snapshotEvery` batches), and the final weights. A stop request ends training after the
 * current batch. Errors, including bad options or data, are posted back and reject the page's
 * `done`. One training runs at a time; a request while one runs is answered with an error.
 *
 * Returns a function that stops listening (a training already running goes on to its end).
 * @throws TypeError when `endpoint` cannot send and receive messages or `configure` is not a function.
 * @example
 * ```ts
 * import { adam, crossEntropyLoss, serveTraining } from 'rnnkit';
 * // train-worker.js, started by the page with new Worker(url, { type: 'module' }):
 * if (typeof self !== 'undefined' && 'postMessage' in self) {
 *   serveTraining(self as never, (settings) => {
 *     const { lr } = settings as { lr: number };
 *     return { loss: crossEntropyLoss(), optimizer: adam({ lr }), epochs: 10 };
 *   });
 * }
 * ```
 * @category Threads & workers
 */
export function serveTraining(
  endpoint: MessageEndpoint,
  configure: (settings: unknown) => WorkerFitOptions,
): () => void {
  if (
    typeof endpoint !== 'object' ||
    endpoint === null ||
    typeof endpoint.postMessage !== 'function' ||
    typeof endpoint.addEventListener !== 'function'
  )
    throw new TypeError(
      `endpoint is ${describe(endpoint)}, expected a worker's self or a MessagePort`,
    );
  if (typeof configure !== 'function')
    throw new TypeError(`configure is ${describe(configure)}, expected a function`);
  let running: { id: number; controller: AbortController } | null = null;
  const listener = (event: { data: unknown }): void => {
    const message = event.data;
    if (!isRequest(message)) return;
    if (message.kind === 'rnnkit-stop') {
      if (running?.id === message.id) running.controller.abort();
      return;
    }
    if (running !== null) {
      post(endpoint, {
        id: message.id,
        kind: 'rnnkit-error',
        name: 'Error',
        message: 'a training is already running in this worker: stop it or wait for it to end',
      });
      return;
    }
    const controller = new AbortController();
    running = { id: message.id, controller };
    void train(endpoint, message, configure, controller.signal).finally(() => {
      running = null;
    });
  };
  endpoint.addEventListener('message', listener);
  return () => endpoint.removeEventListener('message', listener);
}

async function train(
  endpoint: MessageEndpoint,
  request: TrainMessage,
  configure: (settings: unknown) => WorkerFitOptions,
  signal: AbortSignal,
): Promise<void> {
  try {
    const model = Model.fromJSON(request.model);
    const options = configure(request.settings);
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`configure returned ${describe(options)}, expected fit options`);
    const snapshot = (epoch: number, batch: number): void => {
      const values = model.params.values.slice();
      post(endpoint, { id: request.id, kind: 'rnnkit-snapshot', values, epoch, batch }, values);
    };
    let batches = 0;
    const history = await fitAsync(model, fromWire(request.data), {
      ...options,
      validation: request.validation === undefined ? undefined : fromWire(request.validation),
      signal,
      onBatch: (info) => {
        post(endpoint, { id: request.id, kind: 'rnnkit-batch', info });
        batches++;
        if (request.snapshotEvery > 0 && batches % request.snapshotEvery === 0)
          snapshot(info.epoch, info.batch);
      },
      onEpoch: (info) => {
        post(endpoint, { id: request.id, kind: 'rnnkit-epoch', info });
        snapshot(info.epoch, -1);
      },
    });
    const values = model.params.values.slice();
    post(endpoint, { id: request.id, kind: 'rnnkit-done', history, values }, values);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    post(endpoint, { id: request.id, kind: 'rnnkit-error', name: e.name, message: e.message });
  }
}

function post(endpoint: MessageEndpoint, message: ReplyMessage, transfer?: FloatArray): void {
  endpoint.postMessage(message, transfer === undefined ? [] : [transfer.buffer as ArrayBuffer]);
}

function fromWire(data: WireDataset): Dataset {
  return {
    inputs: tensor(data.inputs),
    targets: tensor(data.targets),
    lengths: data.lengths,
    mask: data.mask === undefined ? undefined : tensor(data.mask),
    contexts: data.contexts === undefined ? undefined : tensor(data.contexts),
  };
}

function tensor(w: WireTensor): Tensor {
  return new Tensor([...w.shape], w.data);
}
