import { afterAll, describe, expect, it } from 'vitest';
import { Model, Tensor } from '../src/index.js';
import { ThreadPool, liveWorkers } from '../src/parallel/pool.js';
import { splitBounds } from '../src/parallel/batch.js';
import type { ForwardJob, ForwardReply } from '../src/parallel/protocol.js';
import { liveTeamThreads } from '../src/kernels/team-threads.js';

/** Worker threads alive: replicas' and kernel teams'. */
const live = (): number => liveWorkers() + liveTeamThreads();

const model = new Model({ inputSize: 2, hiddenSize: 3, outputSize: 1, dtype: 'float64', seed: 1 });
const pools: ThreadPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

function job(features: number, fill: number): ForwardJob {
  const input = new Tensor([1, 2, features], 'float64').map(() => fill);
  return { kind: 'forward', weights: model.params.values, input };
}

const outputOf = (fill: number): number[] =>
  Array.from(model.predict(new Tensor([1, 2, 2], 'float64').map(() => fill)).data);

describe('the thread pool', () => {
  it('reads every reply when a worker fails, so the next call gets fresh results', async () => {
    const pool = await ThreadPool.start(2, model.toJSON());
    pools.push(pool);
    // Worker 0 gets an input with 5 features and fails; worker 1 succeeds.
    pool.send([job(5, 0.1), job(2, 0.2)]);
    expect(() => pool.receiveAll()).toThrow(
      /worker thread failed: input has 5 features per step, the model expects 2/,
    );
    pool.send([job(2, 0.3), job(2, 0.4)]);
    const replies = pool.receiveAll() as ForwardReply[];
    expect(Array.from(replies[0].output.data)).toEqual(outputOf(0.3));
    expect(Array.from(replies[1].output.data)).toEqual(outputOf(0.4));
  });

  it('drops replies left unread by a call that threw before receiving them', async () => {
    const pool = await ThreadPool.start(1, model.toJSON());
    pools.push(pool);
    pool.send([job(2, 0.5)]);
    pool.send([job(2, 0.6)]);
    const [reply] = pool.receiveAll() as ForwardReply[];
    expect(Array.from(reply.output.data)).toEqual(outputOf(0.6));
  });

  it('answers only the workers that were given a job', async () => {
    const pool = await ThreadPool.start(2, model.toJSON());
    pools.push(pool);
    pool.send([job(2, 0.7)]);
    const replies = pool.receiveAll() as ForwardReply[];
    expect(replies).toHaveLength(1);
    expect(Array.from(replies[0].output.data)).toEqual(outputOf(0.7));
  });
});

describe('splitBounds', () => {
  it('never makes an empty chunk, even with more threads than rows', () => {
    expect(splitBounds(8, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(splitBounds(3, 5)).toEqual([0, 1, 2, 3]);
    expect(splitBounds(10, 3)).toEqual([0, 3, 7, 10]);
  });
});

describe('useThreads', () => {
  it('applies calls in call order: an un-awaited useThreads(2), then useThreads(1), ends on one thread', async () => {
    const m = new Model({ inputSize: 2, hiddenSize: 3, seed: 1 });
    const before = live();
    const first = m.useThreads(2);
    await m.useThreads(1);
    await first;
    expect(m.threads).toBe(1);
    expect(live()).toBe(before);
  });

  it('leaks no worker when two calls run concurrently', async () => {
    const m = new Model({ inputSize: 2, hiddenSize: 3, seed: 1 });
    const before = live();
    await Promise.all([m.useThreads(2), m.useThreads(2)]);
    expect(m.threads).toBe(2);
    expect(live()).toBe(before + 1);
    await m.useThreads(1);
    expect(live()).toBe(before);
  });

  it('rejects a bad count without disturbing the queue', async () => {
    const m = new Model({ inputSize: 2, hiddenSize: 3, seed: 1 });
    await expect(m.useThreads(1.5)).rejects.toThrow(/threads is 1.5, expected an integer in \[1, /);
    await m.useThreads(1);
    expect(m.threads).toBe(1);
  });

  it('splits a batch of 8 over 9 threads without an empty chunk', async () => {
    const m = new Model({ inputSize: 2, hiddenSize: 3, outputSize: 1, dtype: 'float64', seed: 1 });
    const one = new Model({
      inputSize: 2,
      hiddenSize: 3,
      outputSize: 1,
      dtype: 'float64',
      seed: 1,
    });
    await m.useThreads(9);
    try {
      const x = new Tensor([8, 3, 2], 'float64').map((_, i) => Math.sin(i));
      const a = m.forward(x);
      const b = one.forward(x);
      expect(Array.from(a.output.data)).toEqual(Array.from(b.output.data));
      m.backward(a.output);
      one.backward(b.output);
      Array.from(m.params.grads).forEach((g, i) =>
        expect(Math.abs(g - one.params.grads[i])).toBeLessThan(1e-12),
      );
    } finally {
      await m.useThreads(1);
    }
  });
});
