import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  adam,
  evaluate,
  fit,
  fitAsync,
  mseLoss,
  type Dataset,
} from '../src/index.js';

/** Target at each step: the input one step earlier (a one-step memory task). */
function echoData(N: number, T: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Tensor([N, T, 1]);
  const targets = new Tensor([N, T, 1]);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      inputs.data[n * T + t] = rng.uniform(-1, 1);
      targets.data[n * T + t] = t === 0 ? 0 : inputs.data[n * T + t - 1];
    }
  }
  return { inputs, targets };
}

const make = (): Model =>
  new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1, seed: 4 });

describe('fit', () => {
  it('lowers the loss on a task that needs memory', () => {
    const model = make();
    const data = echoData(64, 10, 1);
    const history = fit(model, data, {
      loss: mseLoss(),
      optimizer: adam({ lr: 0.02 }),
      epochs: 30,
      batchSize: 16,
    });
    const first = history.epochs[0].loss;
    const last = history.epochs[history.epochs.length - 1].loss;
    expect(last).toBeLessThan(0.2 * first);
    expect(evaluate(model, echoData(32, 10, 2), mseLoss())).toBeLessThan(0.3 * first);
  });

  it('shuffles reproducibly with a seed', () => {
    const run = (seed: number): Float32Array | Float64Array => {
      const model = make();
      fit(model, echoData(20, 5, 3), {
        loss: mseLoss(),
        optimizer: adam({ lr: 0.01 }),
        epochs: 2,
        batchSize: 4,
        seed,
      });
      return model.params.values;
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('reports every batch and epoch, with validation loss and gradient norms', () => {
    const batches: number[] = [];
    const epochs: Array<number | null> = [];
    fit(make(), echoData(10, 4, 5), {
      loss: mseLoss(),
      optimizer: adam({ lr: 0.01 }),
      epochs: 3,
      batchSize: 4,
      validation: echoData(6, 4, 6),
      onBatch: (b) => {
        expect(b.gradNorm).toBeGreaterThan(0);
        batches.push(b.batch);
      },
      onEpoch: (e) => epochs.push(e.valLoss),
    });
    expect(batches).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(epochs).toHaveLength(3);
    expect(epochs.every((v) => v !== null && v > 0)).toBe(true);
  });

  it('stops after the current batch when its AbortSignal fires', () => {
    const controller = new AbortController();
    let seen = 0;
    const history = fit(make(), echoData(40, 4, 7), {
      loss: mseLoss(),
      optimizer: adam({ lr: 0.01 }),
      epochs: 5,
      batchSize: 4,
      signal: controller.signal,
      onBatch: () => {
        seen++;
        if (seen === 3) controller.abort();
      },
    });
    expect(history.aborted).toBe(true);
    expect(seen).toBe(3);
    expect(history.epochs).toHaveLength(0);
  });

  it('validates the whole dataset before the first step', () => {
    const model = make();
    const before = model.params.values.slice();
    const data = echoData(8, 4, 8);
    (data.targets as Tensor).data[31] = Number.NaN;
    expect(() => fit(model, data, { loss: mseLoss(), optimizer: adam(), batchSize: 4 })).toThrow(
      /target has NaN/,
    );
    expect(model.params.values).toEqual(before);
  });
});

describe('fitAsync', () => {
  it('yields to the event loop between batches with yieldEveryMs 0 and trains like fit', async () => {
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const a = make();
    const b = make();
    const options = { loss: mseLoss(), epochs: 2, batchSize: 4, seed: 3 };
    await fitAsync(a, echoData(16, 4, 9), {
      ...options,
      optimizer: adam({ lr: 0.01 }),
      yieldEveryMs: 0,
    });
    running = false;
    fit(b, echoData(16, 4, 9), { ...options, optimizer: adam({ lr: 0.01 }) });
    expect(ticks).toBeGreaterThanOrEqual(4);
    expect(a.params.values).toEqual(b.params.values);
  });

  it("lets the page run between a batch's forward and backward, where the model's own passes throw", async () => {
    const a = make();
    const b = make();
    const x = echoData(2, 4, 5).inputs;
    const seen = { refused: 0, predicted: 0, other: [] as string[] };
    let running = true;
    const probe = (): void => {
      try {
        a.forward(x);
      } catch (e) {
        const m = (e as Error).message;
        if (m.includes('between the forward and backward pass')) seen.refused++;
        else seen.other.push(m);
      }
      a.predict(x);
      seen.predicted++;
      if (running) setImmediate(probe);
    };
    const options = { loss: mseLoss(), epochs: 2, batchSize: 4, seed: 3 };
    const done = fitAsync(a, echoData(16, 4, 9), {
      ...options,
      optimizer: adam({ lr: 0.01 }),
      yieldEveryMs: 0,
    });
    setImmediate(probe);
    await done;
    running = false;
    fit(b, echoData(16, 4, 9), { ...options, optimizer: adam({ lr: 0.01 }) });
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.other).toEqual([]);
    expect(seen.predicted).toBeGreaterThan(seen.refused);
    // The page's forward passes between batches and its predictions changed nothing.
    expect(a.params.values).toEqual(b.params.values);
  });
});
