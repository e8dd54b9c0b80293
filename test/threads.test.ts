import { afterAll, describe, expect, it, beforeEach, vi } from 'vitest';
import { Model, adam, mseLoss, trainStep, type CellType, type ModelOptions } from '../src/index.js';
import { KernelTeam } from '../src/kernels/team.js';
import { normalTensors } from './helpers/random.js';
import { maxError } from './helpers/compare.js';

let randn: ReturnType<typeof normalTensors>;
// Every test starts from freshly seeded generators: its data does not depend on test order.
beforeEach(() => {
  randn = normalTensors(121);
});

const threaded: Model[] = [];
afterAll(async () => {
  await Promise.all(threaded.map((m) => m.useThreads(1)));
});

async function pair(options: ModelOptions): Promise<[Model, Model]> {
  const one = new Model(options);
  const two = new Model(options);
  await two.useThreads(2);
  threaded.push(two);
  return [one, two];
}

describe.each(['rnn', 'lstm', 'gru'] as CellType[])('%s on two threads', (cell) => {
  it('gives the same outputs, states and gradients as one thread', async () => {
    const B = 9;
    const S = 4;
    const [one, two] = await pair({
      cell,
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      outputSize: 2,
      initialState: 'given',
      dtype: 'float64',
      seed: 5,
    });
    expect(two.threads).toBe(2);
    const input = randn([B, 5, 3]);
    const lengths = [5, 3, 4, 5, 1, 2, 5, 4, 3];
    const states = { h0: randn([S, B, 4]), ...(cell === 'lstm' ? { c0: randn([S, B, 4]) } : {}) };
    const a = one.forward(input, { lengths, ...states });
    const b = two.forward(input, { lengths, ...states });
    expect(maxError(b.output.data, a.output.data)).toBeLessThan(1e-12);
    expect(maxError(b.h.data, a.h.data)).toBeLessThan(1e-12);
    const gy = randn([B, 5, 2]);
    const gradH = randn([S, B, 4]);
    one.zeroGrad();
    two.zeroGrad();
    const ga = one.backward(gy, { gradH });
    const gb = two.backward(gy, { gradH });
    expect(maxError(two.params.grads, one.params.grads)).toBeLessThan(1e-12);
    expect(maxError(gb.input!.data, ga.input!.data)).toBeLessThan(1e-12);
    expect(maxError(gb.h0!.data, ga.h0!.data)).toBeLessThan(1e-12);
  });
});

describe('threads', () => {
  it('says the thread count changed when one changes between a split forward and its backward', async () => {
    // Float64 models run on the TypeScript kernels: their threads are replicas, which split
    // the batch.
    const model = new Model({
      cell: 'gru',
      inputSize: 2,
      hiddenSize: 3,
      outputSize: 1,
      dtype: 'float64',
    });
    await model.useThreads(2);
    const { output } = model.forward(randn([10, 3, 2]));
    await model.useThreads(1);
    expect(() => model.backward(output)).toThrow(
      'backward cannot use the last forward pass (the thread count changed after it): run forward again',
    );
    const again = model.forward(randn([10, 3, 2]));
    expect(() => model.backward(again.output)).not.toThrow();
  });

  it('on the wasm kernels, backpropagates a forward pass from before a change of threads', async () => {
    const options = { cell: 'gru', inputSize: 2, hiddenSize: 64, outputSize: 1, seed: 2 } as const;
    const model = new Model(options);
    const one = new Model(options);
    expect(model.backend).toBe('wasm');
    await model.useThreads(2);
    const x = randn([10, 3, 2], 'float32');
    const { output } = model.forward(x);
    await model.useThreads(1);
    model.zeroGrad();
    model.backward(output);
    one.zeroGrad();
    one.backward(one.forward(x).output);
    expect(Array.from(model.params.grads)).toEqual(Array.from(one.params.grads));
  });

  it('sends the encoder context and a last-step head through the split', async () => {
    const [one, two] = await pair({
      cell: 'gru',
      inputSize: 2,
      hiddenSize: 3,
      outputSize: 2,
      head: 'last',
      initialState: 'encoded',
      contextSize: 2,
      dtype: 'float64',
    });
    const input = randn([10, 4, 2]);
    const context = randn([10, 2]);
    const a = one.forward(input, { context });
    const b = two.forward(input, { context });
    expect(b.output.shape).toEqual([10, 2]);
    expect(maxError(b.output.data, a.output.data)).toBeLessThan(1e-12);
    const gy = randn([10, 2]);
    one.zeroGrad();
    two.zeroGrad();
    const ga = one.backward(gy);
    const gb = two.backward(gy);
    expect(maxError(gb.context!.data, ga.context!.data)).toBeLessThan(1e-12);
    expect(maxError(two.params.grads, one.params.grads)).toBeLessThan(1e-12);
  });

  it('uses the current weights on every call', async () => {
    const [one, two] = await pair({ cell: 'rnn', inputSize: 2, hiddenSize: 3, dtype: 'float64' });
    const input = randn([8, 3, 2]);
    two.params.values.fill(0.1);
    one.params.values.fill(0.1);
    expect(maxError(two.predict(input).data, one.predict(input).data)).toBeLessThan(1e-12);
  });

  it('rejects a thread count that is not a positive integer, and stops with useThreads(1)', async () => {
    const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 2 });
    await expect(model.useThreads(0)).rejects.toThrow('threads is 0, expected an integer in [1, ');
    await expect(model.useThreads(1.5)).rejects.toThrow(RangeError);
    await model.useThreads(2);
    expect(model.threads).toBe(2);
    await model.useThreads(1);
    expect(model.threads).toBe(1);
  });
});

// On the wasm kernels the threads share the model's memory and take shares of its products and
// gate steps: training is the one-thread training, bit for bit, for every cell and option.
const TEAM_CONFIGS: [string, Omit<ModelOptions, 'inputSize' | 'hiddenSize'>][] = [
  ['rnn tanh, 2 layers', { cell: 'rnn', numLayers: 2 }],
  ['rnn relu, bidirectional', { cell: 'rnn', nonlinearity: 'relu', bidirectional: true }],
  ['lstm, 2 layers, bidirectional', { cell: 'lstm', numLayers: 2, bidirectional: true }],
  ['gru', { cell: 'gru' }],
  ['gru, reset before the product', { cell: 'gru', linearBeforeReset: false }],
  ['lstm, reverse only, learned state', { cell: 'lstm', reverse: true, initialState: 'learned' }],
];

describe.each(TEAM_CONFIGS)('%s on two threads sharing its memory', (_, cellOptions) => {
  it('trains to the weights of one thread, bit for bit, with lengths and clipping', async () => {
    // B = 32 and H = 256: large enough that products and every cell's gate steps are shared.
    const options: ModelOptions = {
      inputSize: 16,
      hiddenSize: 256,
      outputSize: 3,
      seed: 4,
      ...cellOptions,
    };
    const one = new Model(options);
    const two = new Model(options);
    await two.useThreads(2);
    threaded.push(two);
    expect([one.backend, two.backend, two.threads]).toEqual(['wasm', 'wasm', 2]);
    const B = 32;
    const input = randn([B, 12, 16], 'float32');
    const target = randn([B, 12, 3], 'float32');
    const lengths = Array.from({ length: B }, (_, b) => 12 - (b % 5));
    // Each model its own optimizer: Adam keeps state per parameter vector.
    const train = () => ({ loss: mseLoss(), optimizer: adam({ lr: 0.01 }), clip: { maxNorm: 1 } });
    const [trainOne, trainTwo] = [train(), train()];
    for (let i = 0; i < 3; i++) {
      const a = trainStep(one, { input, target, lengths }, trainOne);
      const b = trainStep(two, { input, target, lengths }, trainTwo);
      expect(b.loss).toBe(a.loss);
    }
    expect(Array.from(two.params.values)).toEqual(Array.from(one.params.values));
    const p1 = one.predict(input, { lengths });
    const p2 = two.predict(input, { lengths });
    expect(Array.from(p2.data)).toEqual(Array.from(p1.data));
  });
});

describe('two threads over more steps than one chunk of weight gradients', () => {
  it('keep the packed W_hh of the backward loop apart from the worker scratch (regression)', async () => {
    // T = 50 > 32 steps per chunk: after the first chunk's weight-gradient products the loop
    // packs W_hh again. Those products had moved the scratch to a larger block, and the packing
    // went to the old address, where a worker's scratch then landed: most weights differed.
    const options: ModelOptions = {
      cell: 'lstm',
      inputSize: 32,
      hiddenSize: 256,
      outputSize: 1,
      seed: 1,
    };
    const [one, two] = await pair(options);
    const input = randn([32, 50, 32], 'float32');
    const target = randn([32, 50, 1], 'float32');
    // Each model its own optimizer: Adam keeps state per parameter vector.
    const train = () => ({ loss: mseLoss(), optimizer: adam({ lr: 0.01 }) });
    trainStep(one, { input, target }, train());
    trainStep(two, { input, target }, train());
    const [w1, w2] = [one.params.values, two.params.values];
    let differing = 0;
    for (let i = 0; i < w1.length; i++) if (!Object.is(w1[i], w2[i])) differing++;
    expect(differing, 'weights that differ from one thread').toBe(0);
  });
});

// Loops whose steps multiply by few enough weights are dealt out by batch rows: each thread
// makes every call of a step on its own rows and goes on without waiting for the others.
const ROW_CONFIGS: [string, Omit<ModelOptions, 'inputSize' | 'hiddenSize'>, number, boolean][] = [
  ['rnn tanh', { cell: 'rnn' }, 32, false],
  [
    'rnn relu, 2 layers, 30 sequences',
    { cell: 'rnn', nonlinearity: 'relu', numLayers: 2 },
    30,
    false,
  ],
  ['lstm, bidirectional', { cell: 'lstm', bidirectional: true }, 32, false],
  ['lstm with lengths', { cell: 'lstm' }, 32, true],
  ['gru', { cell: 'gru' }, 37, false],
  ['gru, 2 layers, bidirectional', { cell: 'gru', numLayers: 2, bidirectional: true }, 32, false],
];

describe.each(ROW_CONFIGS)(
  '%s on two threads taking steps by rows',
  (_, cellOptions, B, padded) => {
    it('trains to the weights of one thread, bit for bit, and deals calls out by rows', async () => {
      const teams = new Set<KernelTeam>();
      const byRows = KernelTeam.prototype.byRows;
      const spy = vi.spyOn(KernelTeam.prototype, 'byRows').mockImplementation(function (
        this: KernelTeam,
        rows: number,
        work: number,
        f: () => void,
      ) {
        teams.add(this);
        byRows.call(this, rows, work, f);
      });
      try {
        // H = 64: every cell's step weights are below MAX_ROW_SPLIT_WEIGHTS, its products above
        // MIN_SHARED_PRODUCT; T = 40 steps, more than one chunk of weight gradients.
        const options: ModelOptions = {
          inputSize: 16,
          hiddenSize: 64,
          outputSize: 3,
          seed: 7,
          ...cellOptions,
        };
        const [one, two] = await pair(options);
        const T = 40;
        const input = randn([B, T, 16], 'float32');
        const target = randn([B, T, 3], 'float32');
        const lengths = padded ? Array.from({ length: B }, (_, b) => T - (b % 7)) : undefined;
        const given = lengths === undefined ? {} : { lengths };
        const train = () => ({ loss: mseLoss(), optimizer: adam({ lr: 0.01 }) });
        const [trainOne, trainTwo] = [train(), train()];
        for (let i = 0; i < 2; i++) {
          const a = trainStep(one, { input, target, ...given }, trainOne);
          const b = trainStep(two, { input, target, ...given }, trainTwo);
          expect(b.loss).toBe(a.loss);
        }
        expect(Array.from(two.params.values)).toEqual(Array.from(one.params.values));
        const p1 = one.predict(input, given);
        const p2 = two.predict(input, given);
        expect(Array.from(p2.data)).toEqual(Array.from(p1.data));
        const batched = [...teams].reduce((n, team) => n + team.batchedCalls, 0);
        expect(batched).toBeGreaterThan(0);
      } finally {
        spy.mockRestore();
      }
    });
  },
);
