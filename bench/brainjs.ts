/**
 * brain.js peer: `recurrent.RNNTimeStep` / `LSTMTimeStep` / `GRUTimeStep`.
 *
 * How its figures are counted (its API differs from a batched seq2seq model):
 * - Data: B sequences, each an array of T steps of I numbers (the `number[][][]` shape). brain.js
 *   trains one sequence at a time on next-step prediction (step t predicts step t+1, so its
 *   output size must equal its input size, here I = O = 16) and updates the weights after every
 *   sequence with its own RMSProp-style rule (learningRate 0.01). One call of
 *   `train(data, { iterations: 1 })` is one pass over the B sequences: trainSeqPerSec counts
 *   B sequences per call.
 * - Inference: `run(sequence)` over all T steps, once per sequence; inferSeqPerSec counts those.
 * - Streaming: its API does not carry state from one call to the next, so the step figure times
 *   `run([x])`, a one-step sequence from a zero state.
 * - A NaN training error (brain.js throws) or a NaN output makes the measurement fail.
 */
import { recurrent } from 'brain.js';
import type { MeasurePeer } from './peers.js';
import { BenchRng } from './rng.js';
import {
  assertFinite,
  timeRate,
  type Cell,
  type Figures,
  type Timing,
  type Workload,
} from './workload.js';

type TimeStepNet = InstanceType<typeof recurrent.RNNTimeStep>;

function createNet(cell: Cell, w: Workload): TimeStepNet {
  const options = { inputSize: w.I, hiddenLayers: [w.H], outputSize: w.O, learningRate: w.lr };
  if (cell === 'rnn') return new recurrent.RNNTimeStep(options);
  if (cell === 'lstm') return new recurrent.LSTMTimeStep(options);
  return new recurrent.GRUTimeStep(options);
}

export async function measureBrain(cell: Cell, w: Workload, timing: Timing): Promise<Figures> {
  if (w.I !== w.O) throw new Error('brain.js time-step nets need outputSize equal to inputSize');
  const rng = new BenchRng(1);
  const sequences: number[][][] = [];
  for (let b = 0; b < w.B; b++) {
    const seq: number[][] = [];
    for (let t = 0; t < w.T; t++) seq.push(Array.from(rng.fill(w.I)));
    sequences.push(seq);
  }
  const net = createNet(cell, w);

  const train = await timeRate(
    () => {
      const status = net.train(sequences, { iterations: 1, errorThresh: 0, log: false });
      assertFinite(status.error, 'brain.js training error');
    },
    w.B,
    timing,
  );

  let next = 0;
  const runOne = (input: number[][]): Float32Array => {
    const out = net.run(input) as unknown as Float32Array;
    assertFinite(out, 'brain.js output');
    return out;
  };
  const infer = await timeRate(
    () => {
      runOne(sequences[next]);
      next = (next + 1) % sequences.length;
    },
    1,
    timing,
  );

  const steps = sequences[0];
  let t = 0;
  const step = await timeRate(
    () => {
      runOne([steps[t]]);
      t = (t + 1) % steps.length;
    },
    1,
    timing,
  );
  return { train, infer, step };
}

/** The adapter bench/worker.ts loads for `brain.js`. */
export const measurePeer: MeasurePeer = async (_library, cell, w, timing) => ({
  figures: await measureBrain(cell, w, timing),
});
