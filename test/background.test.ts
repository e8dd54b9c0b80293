import { afterEach, describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  adam,
  crossEntropyLoss,
  fit,
  mseLoss,
  serveTraining,
  trainInWorker,
  type BatchInfo,
  type Dataset,
  type EpochInfo,
  type MessageEndpoint,
  type SnapshotInfo,
  type WorkerFitOptions,
} from '../src/index.js';

/** Target at each step: the input one step earlier. */
function echoData(N: number, T: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Tensor([N, T, 1]);
  const targets = new Tensor([N, T, 1]);
  for (let i = 0; i < N * T; i++) inputs.data[i] = rng.uniform(-1, 1);
  for (let i = 0; i < N * T; i++) targets.data[i] = i % T === 0 ? 0 : inputs.data[i - 1];
  return { inputs, targets };
}

const make = (): Model =>
  new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1, seed: 4 });

interface Settings {
  lr: number;
  epochs: number;
}

const configure = (settings: unknown): WorkerFitOptions => {
  const s = settings as Settings;
  return { loss: mseLoss(), optimizer: adam({ lr: s.lr }), epochs: s.epochs, batchSize: 16 };
};

/** Both ends of a channel: the "worker" serves on one port, the test trains through the other. */
let open: MessagePort[] = [];
function channel(): { page: MessageEndpoint; worker: MessageEndpoint } {
  const { port1, port2 } = new MessageChannel();
  port1.start();
  port2.start();
  open.push(port1, port2);
  return { page: port1, worker: port2 };
}

afterEach(() => {
  for (const port of open) port.close();
  open = [];
});

describe('trainInWorker', () => {
  it('ends with the weights fit gives on this thread, and reports every batch and epoch', async () => {
    const { page, worker } = channel();
    serveTraining(worker, configure);
    const data = echoData(48, 6, 1);
    const model = make();
    const batches: BatchInfo[] = [];
    const epochs: EpochInfo[] = [];
    const snapshots: SnapshotInfo[] = [];
    const history = await trainInWorker(page, model, {
      data,
      settings: { lr: 0.02, epochs: 3 },
      snapshotEvery: 2,
      onBatch: (info) => batches.push(info),
      onEpoch: (info) => epochs.push(info),
      onSnapshot: (info) => snapshots.push(info),
    }).done;

    const local = make();
    const expected = fit(local, data, configure({ lr: 0.02, epochs: 3 }));
    expect(history).toEqual(expected);
    expect(Array.from(model.params.values)).toEqual(Array.from(local.params.values));
    expect(batches.map((b) => `${b.epoch}:${b.batch}`)).toEqual([
      '0:0',
      '0:1',
      '0:2',
      '1:0',
      '1:1',
      '1:2',
      '2:0',
      '2:1',
      '2:2',
    ]);
    expect(epochs).toEqual(expected.epochs);
    // Every second batch, and at each epoch's end (batch -1).
    expect(snapshots.map((s) => `${s.epoch}:${s.batch}`)).toEqual([
      '0:1',
      '0:-1',
      '1:0',
      '1:2',
      '1:-1',
      '2:1',
      '2:-1',
    ]);
  });

  it('trains a model with an embedding on token ids [N, T] like fit on this thread', async () => {
    const { page, worker } = channel();
    serveTraining(worker, (settings) => ({
      ...configure(settings),
      loss: crossEntropyLoss(),
    }));
    const ids = [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2];
    const inputs = new Tensor([4, 4]);
    const targets = new Tensor([4, 4]);
    for (let n = 0; n < 4; n++)
      for (let t = 0; t < 4; t++) {
        inputs.data[n * 4 + t] = ids[n * 4 + t];
        targets.data[n * 4 + t] = ids[n * 4 + t + 1];
      }
    const options = {
      cell: 'gru' as const,
      embedding: { vocabSize: 4, dim: 3 },
      inputSize: 3,
      hiddenSize: 5,
      outputSize: 4,
      seed: 2,
    };
    const model = new Model(options);
    const history = await trainInWorker(page, model, {
      data: { inputs, targets },
      settings: { lr: 0.05, epochs: 2 },
    }).done;
    const local = new Model(options);
    const expected = fit(
      local,
      { inputs, targets },
      {
        loss: crossEntropyLoss(),
        optimizer: adam({ lr: 0.05 }),
        epochs: 2,
        batchSize: 16,
      },
    );
    expect(history).toEqual(expected);
    expect(model.toJSON()).toEqual(local.toJSON());
  });

  it('replaces the model weights with each snapshot while training goes on', async () => {
    const { page, worker } = channel();
    serveTraining(worker, configure);
    const model = make();
    const start = Array.from(model.params.values);
    const seen: number[][] = [];
    await trainInWorker(page, model, {
      data: echoData(32, 6, 2),
      settings: { lr: 0.05, epochs: 2 },
      onSnapshot: () => seen.push(Array.from(model.params.values)),
    }).done;
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toEqual(start);
    expect(seen[1]).not.toEqual(seen[0]);
    expect(seen[1]).toEqual(Array.from(model.params.values));
  });

  it('stops after the current batch when asked, with the weights reached so far', async () => {
    const { page, worker } = channel();
    serveTraining(worker, configure);
    const model = make();
    const start = Array.from(model.params.values);
    let batches = 0;
    const training = trainInWorker(page, model, {
      data: echoData(64, 6, 3),
      settings: { lr: 0.02, epochs: 1000 },
      onBatch: () => {
        batches++;
        if (batches === 5) training.stop();
      },
    });
    const history = await training.done;
    expect(history.aborted).toBe(true);
    expect(history.epochs.length).toBeLessThan(5);
    expect(batches).toBeLessThan(20);
    expect(Array.from(model.params.values)).not.toEqual(start);
    training.stop(); // after the end: nothing happens
  });

  it('rejects done with the worker error for data that does not fit the model, and changes nothing', async () => {
    const { page, worker } = channel();
    serveTraining(worker, configure);
    const model = make();
    const start = Array.from(model.params.values);
    const data = { inputs: new Tensor([4, 5, 3]), targets: new Tensor([4, 5, 1]) };
    const training = trainInWorker(page, model, { data, settings: { lr: 0.1, epochs: 1 } });
    await expect(training.done).rejects.toThrow(RangeError);
    await expect(training.done).rejects.toThrow(/3 features per step, the model expects 1/);
    expect(Array.from(model.params.values)).toEqual(start);
  });

  it('rejects done with a TypeError when configure returns an unknown fit option', async () => {
    const { page, worker } = channel();
    serveTraining(worker, () => ({ ...configure({ lr: 0.1, epochs: 1 }), epoch: 3 }));
    const training = trainInWorker(page, make(), { data: echoData(8, 4, 1) });
    await expect(training.done).rejects.toThrow(TypeError);
    await expect(training.done).rejects.toThrow(/epoch/);
  });

  it('answers a second request while one runs with an error, and the first goes on', async () => {
    const { page, worker } = channel();
    serveTraining(worker, configure);
    const first = trainInWorker(page, make(), {
      data: echoData(32, 4, 1),
      settings: { lr: 0.02, epochs: 2 },
    });
    const second = trainInWorker(page, make(), {
      data: echoData(32, 4, 1),
      settings: { lr: 0.02, epochs: 2 },
    });
    await expect(second.done).rejects.toThrow(/already running/);
    await expect(first.done).resolves.toMatchObject({ aborted: false });
  });

  it('ignores a stop request meant for another training', async () => {
    const { page, worker } = channel();
    serveTraining(worker, configure);
    let batches = 0;
    const training = trainInWorker(page, make(), {
      data: echoData(32, 4, 1),
      settings: { lr: 0.02, epochs: 3 },
      onBatch: () => {
        batches++;
        if (batches === 1) page.postMessage({ kind: 'rnnkit-stop', id: -1 }, []);
      },
    });
    const history = await training.done;
    expect(history.aborted).toBe(false);
    expect(history.epochs).toHaveLength(3);
  });

  it('accepts a Worker and a MessagePort as endpoints (a type check)', () => {
    const endpoints = (worker: Worker, port: MessagePort): MessageEndpoint[] => [worker, port];
    expect(typeof endpoints).toBe('function');
  });

  it('throws at once for an unknown option or data that cannot become tensors', () => {
    const { page } = channel();
    const model = make();
    expect(() =>
      trainInWorker(page, model, { data: echoData(4, 2, 1), epochs: 3 } as never),
    ).toThrow(TypeError);
    expect(() =>
      trainInWorker(page, model, { data: { inputs: 'abc', targets: [] } as never }),
    ).toThrow(/data.inputs is "abc"/);
    expect(() =>
      trainInWorker(page, model, { data: echoData(4, 2, 1), snapshotEvery: -1 }),
    ).toThrow(RangeError);
    expect(() => trainInWorker({} as never, model, { data: echoData(4, 2, 1) })).toThrow(
      /worker is an object/,
    );
    expect(() => trainInWorker(page, {} as never, { data: echoData(4, 2, 1) })).toThrow(
      /model is an object \(Object\), expected a Model/,
    );
    expect(() => trainInWorker(page, model, undefined as never)).toThrow(TypeError);
  });

  it('throws a TypeError for settings that cannot be sent, and listens to nothing', async () => {
    const { page, worker } = channel();
    let requests = 0;
    worker.addEventListener('message', () => requests++);
    const listening: unknown[] = [];
    const endpoint: MessageEndpoint = {
      postMessage: (message, transfer) => page.postMessage(message, transfer),
      addEventListener: (type, listener) => listening.push(listener),
      removeEventListener: () => undefined,
    };
    expect(() =>
      trainInWorker(endpoint, make(), { data: echoData(4, 2, 1), settings: { f: () => 1 } }),
    ).toThrow(/settings must survive structured cloning/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listening).toHaveLength(0);
    expect(requests).toBe(0);
  });
});

describe('serveTraining', () => {
  it('stops listening when its returned function is called', async () => {
    const { page, worker } = channel();
    const stopServing = serveTraining(worker, configure);
    stopServing();
    let answered = false;
    void trainInWorker(page, make(), {
      data: echoData(8, 4, 1),
      settings: { lr: 0.02, epochs: 1 },
    }).done.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
  });

  it('throws a TypeError when configure is not a function or the endpoint cannot message', () => {
    const { worker } = channel();
    expect(() => serveTraining(worker, 3 as never)).toThrow(/configure is 3/);
    expect(() => serveTraining(undefined as never, configure)).toThrow(/endpoint is undefined/);
  });
});
