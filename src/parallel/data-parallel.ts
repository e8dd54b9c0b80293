import type { FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { InitialStateInputs } from '../recurrent/initial-state.js';
import type { ModelJSON } from '../model/json.js';
import type { BatchSplit, LocalPasses } from '../model/threads.js';
import type { BackwardResult, CheckedBackwardOptions, ForwardResult } from '../model/types.js';
import { ThreadPool } from './pool.js';
import { concatRows, concatStates, sliceRows, sliceStates, splitBounds } from './batch.js';
import type { BackwardReply, ForwardReply, Job, WireTensor } from './protocol.js';

const toTensor = (w: WireTensor): Tensor => new Tensor(w.shape, w.data);

/**
 * Data-parallel passes over worker threads: the calling thread runs the first chunk of each
 * batch, each worker one more, and the workers' parameter gradients are added to the model's.
 */
class DataParallel implements BatchSplit {
  constructor(private readonly pool: ThreadPool) {}

  get workers(): number {
    return this.pool.size;
  }

  forward(
    local: LocalPasses,
    weights: FloatArray,
    x: Tensor,
    lengths: Int32Array | null,
    states: InitialStateInputs,
  ): { result: ForwardResult; bounds: number[] } {
    const pool = this.pool;
    const bounds = splitBounds(x.shape[0], pool.size + 1);
    const chunk = (i: number) => {
      const [from, to] = [bounds[i], bounds[i + 1]];
      return {
        input: sliceRows(x, from, to),
        ...(lengths ? { lengths: lengths.slice(from, to) } : {}),
        ...(states.h0 ? { h0: sliceStates(states.h0, from, to) } : {}),
        ...(states.c0 ? { c0: sliceStates(states.c0, from, to) } : {}),
        ...(states.context ? { context: sliceRows(states.context, from, to) } : {}),
      };
    };
    const jobs: Job[] = [];
    for (let i = 1; i < bounds.length - 1; i++)
      jobs.push({ kind: 'forward', weights, ...chunk(i) });
    pool.send(jobs);
    const own = chunk(0);
    const mine = local.forward(own.input, own.lengths ?? null, own);
    const remote = pool.receiveAll() as ForwardReply[];
    const result = {
      output: concatRows([mine.output, ...remote.map((r) => toTensor(r.output))]),
      h: concatStates([mine.h, ...remote.map((r) => toTensor(r.h))]),
      c:
        mine.c === null
          ? null
          : concatStates([mine.c, ...remote.map((r) => toTensor(r.c as WireTensor))]),
    };
    return { result, bounds };
  }

  backward(
    local: LocalPasses,
    grads: FloatArray,
    bounds: number[],
    gradOutput: Tensor,
    options: CheckedBackwardOptions,
  ): BackwardResult {
    const pool = this.pool;
    const chunk = (i: number) => {
      const [from, to] = [bounds[i], bounds[i + 1]];
      return {
        gradOutput: sliceRows(gradOutput, from, to),
        ...(options.gradH ? { gradH: sliceStates(options.gradH, from, to) } : {}),
        ...(options.gradC ? { gradC: sliceStates(options.gradC, from, to) } : {}),
        inputGrad: options.inputGrad ?? true,
      };
    };
    const jobs: Job[] = [];
    for (let i = 1; i < bounds.length - 1; i++) jobs.push({ kind: 'backward', ...chunk(i) });
    pool.send(jobs);
    const own = chunk(0);
    const mine = local.backward(own.gradOutput, own);
    const remote = pool.receiveAll() as BackwardReply[];
    for (const r of remote) for (let i = 0; i < grads.length; i++) grads[i] += r.grads[i];
    const join = (
      first: Tensor | null,
      pick: (r: BackwardReply) => WireTensor | null,
      states: boolean,
    ) =>
      first === null
        ? null
        : (states ? concatStates : concatRows)([
            first,
            ...remote.map((r) => toTensor(pick(r) as WireTensor)),
          ]);
    return {
      input: join(mine.input, (r) => r.input, false),
      h0: join(mine.h0, (r) => r.h0, true),
      c0: join(mine.c0, (r) => r.c0, true),
      context: join(mine.context, (r) => r.context, false),
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Starts `workers` worker threads holding replicas of the model in `snapshot` (Node only). */
export async function startDataParallel(workers: number, snapshot: ModelJSON): Promise<BatchSplit> {
  return new DataParallel(await ThreadPool.start(workers, snapshot));
}
