import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Model,
  Tensor,
  adam,
  fit,
  gradCheck,
  loadCheckpoint,
  mseLoss,
  saveCheckpoint,
  stepLR,
  trainStep,
  trainTruncated,
  type Batch,
  type Loss,
  type Optimizer,
  type Stream,
} from '../src/index.js';
import { dropoutModeOf } from '../src/model/dropout-mode.js';

// Seeded and modest, so the suite stays fast and any failure reproduces.
const RUNS = { numRuns: 60, seed: 18 };

/** What goes wrong in a call: nothing, user code throwing, bad data, or an update undone. */
type Fault = 'none' | 'loss' | 'optimizer' | 'callback' | 'nan-input' | 'overflow' | 'bad-bytes';
const FAULTS: Fault[] = [
  'none',
  'loss',
  'optimizer',
  'callback',
  'nan-input',
  'overflow',
  'bad-bytes',
];

/** Every public call that changes a model, an optimizer or a stream. */
type Call =
  | 'trainStep'
  | 'trainTruncated'
  | 'fit'
  | 'gradCheck'
  | 'loadStateDict'
  | 'loadCheckpoint'
  | 'optimizer.loadStateDict'
  | 'stream.step'
  | 'stream.reset'
  | 'forward'
  | 'backward';
const CALLS: Call[] = [
  'trainStep',
  'trainTruncated',
  'fit',
  'gradCheck',
  'loadStateDict',
  'loadCheckpoint',
  'optimizer.loadStateDict',
  'stream.step',
  'stream.reset',
  'forward',
  'backward',
];

interface World {
  model: Model;
  optimizer: Optimizer;
  stream: Stream;
  batch: Batch;
}

function world(dropout: number, seed: number): World {
  const model = new Model({
    cell: 'gru',
    inputSize: 2,
    hiddenSize: 3,
    numLayers: 2,
    dropout,
    outputSize: 1,
    dtype: 'float64',
    seed,
  });
  const optimizer = adam({ lr: 0.01 });
  const batch = {
    input: new Tensor([2, 4, 2], 'float64').map((_, i) => Math.sin(i + seed)),
    target: new Tensor([2, 4, 1], 'float64').map((_, i) => Math.cos(i)),
  };
  trainStep(model, batch, { loss: mseLoss(), optimizer });
  const stream = model.createStream(1);
  stream.step([0.5, -0.5]);
  model.forward(batch.input); // a pending forward, for backward
  return { model, optimizer, stream, batch };
}

const plain = (v: unknown): unknown =>
  JSON.parse(
    JSON.stringify(v, (_, x: unknown) =>
      ArrayBuffer.isView(x) ? Array.from(x as Float64Array) : x,
    ),
  );

/** Everything a call that throws must leave bit for bit as it was. */
function state(w: World) {
  return {
    weights: Array.from(w.model.params.values),
    optimizer: plain(w.optimizer.stateDict()),
    generator: dropoutModeOf(w.model)?.generator,
    stream: Array.from(w.stream.h),
    input: Array.from((w.batch.input as Tensor).data),
  };
}

function faulty(fault: Fault, w: World): { loss: Loss; optimizer: Optimizer } {
  const mse = mseLoss();
  const loss =
    fault === 'loss'
      ? Object.assign(Object.create(mse) as Loss, {
          compute: () => {
            throw new Error('loss failed');
          },
        })
      : mse;
  const inner = w.optimizer;
  // A custom optimizer over Adam that moves every weight and its state, then throws.
  const optimizer: Optimizer =
    fault === 'optimizer'
      ? {
          name: inner.name,
          get lr() {
            return inner.lr;
          },
          set lr(v: number) {
            inner.lr = v;
          },
          step(values, grads) {
            inner.step(values, grads);
            values[0] = NaN;
            throw new Error('optimizer failed');
          },
          reset: () => inner.reset(),
          stateDict: () => inner.stateDict(),
          loadStateDict: (s) => inner.loadStateDict(s),
        }
      : inner;
  if (fault === 'overflow') inner.lr = 1e300;
  return { loss, optimizer };
}

function run(call: Call, fault: Fault, w: World): unknown {
  const { loss, optimizer } = faulty(fault, w);
  const input =
    fault === 'nan-input'
      ? (w.batch.input as Tensor).map((v, i) => (i === 3 ? NaN : v))
      : w.batch.input;
  const batch = { ...w.batch, input };
  const train = { loss, optimizer, onNonFinite: 'throw' as const };
  const callback = () => {
    if (fault === 'callback') throw new Error('callback failed');
  };
  switch (call) {
    case 'trainStep':
      return trainStep(w.model, batch, train);
    case 'trainTruncated':
      return trainTruncated(w.model, batch, { ...train, chunk: 2 });
    case 'fit':
      return fit(
        w.model,
        { inputs: input, targets: w.batch.target },
        {
          ...train,
          epochs: 2,
          batchSize: 1,
          schedule: stepLR({ stepSize: 1 }),
          onBatch: callback,
        },
      );
    case 'gradCheck':
      return gradCheck(w.model, batch, { loss });
    case 'loadStateDict': {
      const dict = w.model.stateDict();
      if (fault !== 'none') dict['head.bias'].data[0] = NaN;
      return w.model.loadStateDict(dict);
    }
    case 'loadCheckpoint': {
      const bytes = saveCheckpoint(w.model, w.optimizer, { epoch: 1 });
      if (fault !== 'none') bytes[bytes.length - 1] ^= 4;
      return loadCheckpoint(bytes, w.optimizer);
    }
    case 'optimizer.loadStateDict': {
      const s = w.optimizer.stateDict();
      const sq = Float64Array.from(s.state.exp_avg_sq);
      if (fault !== 'none') sq[1] = -1;
      return w.optimizer.loadStateDict({ ...s, state: { ...s.state, exp_avg_sq: sq } });
    }
    case 'stream.step':
      return w.stream.step(
        fault === 'none' ? [0.1, 0.2] : [0.1, fault === 'bad-bytes' ? Infinity : NaN],
      );
    case 'forward':
      return w.model.forward(input);
    case 'backward': {
      const bad = fault === 'none' ? 0 : NaN;
      return w.model.backward(new Tensor([2, 4, 1], 'float64').map(() => bad));
    }
    case 'stream.reset':
      return w.stream.reset(fault === 'none' ? {} : { h0: new Tensor([2, 1, 4]) });
  }
}

describe('every public mutating call completes or changes nothing', () => {
  it('leaves weights, optimizer state, generator, stream and inputs bit for bit when it throws', () => {
    let threw = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...CALLS),
        fc.constantFrom(...FAULTS),
        fc.constantFrom(0, 0.5),
        fc.integer({ min: 0, max: 1000 }),
        (call, fault, dropout, seed) => {
          const w = world(dropout, seed);
          const before = state(w);
          const lr = w.optimizer.lr;
          let error: unknown = null;
          try {
            run(call, fault, w);
          } catch (e) {
            error = e;
          }
          w.optimizer.lr = lr;
          if (error === null) return;
          threw++;
          expect({ call, fault, ...state(w) }).toEqual({ call, fault, ...before });
        },
      ),
      RUNS,
    );
    expect(threw).toBeGreaterThan(10);
  });
});
