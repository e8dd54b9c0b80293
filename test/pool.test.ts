import { afterAll, describe, expect, it } from 'vitest';
import { Model, Tensor } from '../src/index.js';
import { ThreadPool } from '../src/parallel/pool.js';
import { splitBounds } from '../src/parallel/batch.js';
import type { ForwardJob, ForwardReply } from '../src/parallel/protocol.js';

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
