import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  adam,
  fit,
  mseLoss,
  sgd,
  type Dataset,
  type FitOptions,
  type Loss,
} from '../src/index.js';

function echoData(N: number, T: number, seed: number, features = 1): Dataset {
  const rng = new Rng(seed);
  const inputs = new Tensor([N, T, features]);
  const targets = new Tensor([N, T, 1]);
  for (let i = 0; i < inputs.size; i++) inputs.data[i] = rng.uniform(-1, 1);
  for (let n = 0; n < N; n++)
    for (let t = 1; t < T; t++) targets.data[n * T + t] = inputs.data[(n * T + t - 1) * features];
  return { inputs, targets };
}

const make = (): Model =>
  new Model({ cell: 'gru', inputSize: 1, hiddenSize: 6, outputSize: 1, seed: 4 });

const base = (): FitOptions => ({
  loss: mseLoss(),
  optimizer: adam({ lr: 0.01 }),
  epochs: 2,
  batchSize: 4,
});

/** Runs `fn` and checks it throws `pattern` and changed no weight and no optimizer state. */
function rejects(model: Model, options: FitOptions, fn: () => unknown, pattern: RegExp): void {
  const weights = model.params.values.slice();
  const state = options.optimizer.stateDict();
  expect(fn).toThrow(pattern);
  expect(model.params.values).toEqual(weights);
  expect(options.optimizer.stateDict()).toEqual(state);
}

describe('fit validates everything before the first step', () => {
  it('rejects a validation set with the wrong feature count up front, saying it is the validation set', () => {
    const model = make();
    const options = { ...base(), validation: echoData(4, 5, 2, 3) };
    let batches = 0;
    options.onBatch = () => batches++;
    rejects(
      model,
      options,
      () => fit(model, echoData(8, 5, 1), options),
      /^validation set: input has 3 features per step, the model expects 1$/,
    );
    expect(batches).toBe(0);
  });

  it('says an error in the training data concerns the training set', () => {
    const model = make();
    const options = base();
    rejects(
      model,
      options,
      () => fit(model, echoData(8, 5, 1, 2), options),
      /^training set: input has 2 features/,
    );
  });

  it('rejects a non-finite input in the last batch before the first step', () => {
    const model = make();
    const options = { ...base(), shuffle: false };
    const data = echoData(8, 5, 1);
    (data.inputs as Tensor).data[7 * 5 + 2] = NaN; // sequence 7: in the second batch of four
    let batches = 0;
    options.onBatch = () => batches++;
    rejects(
      model,
      options,
      () => fit(model, data, options),
      /^training set: inputs has NaN at \[7, 2, 0\], expected finite numbers$/,
    );
    expect(batches).toBe(0);
  });

  it('rejects undefined targets clearly', () => {
    const model = make();
    const options = base();
    const data = { inputs: echoData(4, 3, 1).inputs } as Dataset;
    rejects(
      model,
      options,
      () => fit(model, data, options),
      /targets is undefined, expected a Tensor/,
    );
  });

  it('rejects a signal that is not an AbortSignal', () => {
    const model = make();
    const options = { ...base(), signal: { abort: true } as unknown as AbortSignal };
    rejects(model, options, () => fit(model, echoData(8, 5, 1), options), /signal is an object/);
  });

  it.each([
    [1.7, /seed is 1.7, expected an integer in \[0, 2\^32\)/],
    [2 ** 32, /seed is 4294967296, expected an integer in \[0, 2\^32\)/],
    [-1, /seed is -1/],
    ['3', /seed is "3"/],
  ])('rejects the seed %s, which would alias another', (seed, pattern) => {
    const model = make();
    const options = { ...base(), seed: seed as number };
    rejects(model, options, () => fit(model, echoData(8, 5, 1), options), pattern);
    expect(() => new Model({ inputSize: 1, hiddenSize: 2, seed: seed as number })).toThrow(pattern);
    expect(() => new Rng(seed as number)).toThrow(pattern);
  });

  it.each([
    [null, /clip is null, expected \{ maxNorm, normType\? \} or \{ value \}/],
    [1, /clip is 1, expected \{ maxNorm/],
    [{ maxNorm: '1' }, /clip.maxNorm is "1"/],
  ])('rejects clip %s clearly', (clip, pattern) => {
    const model = make();
    const options = { ...base(), clip: clip as unknown as FitOptions['clip'] };
    rejects(model, options, () => fit(model, echoData(8, 5, 1), options), pattern);
  });

  it('rejects an initialEpoch past epochs', () => {
    const model = make();
    const options = { ...base(), epochs: 3, initialEpoch: 4 };
    rejects(model, options, () => fit(model, echoData(8, 5, 1), options), /initialEpoch is 4/);
  });
});

describe('fit reports and resumes', () => {
  it('keeps the largest finite gradient norm of an epoch after a skipped step', () => {
    const mse = mseLoss();
    let calls = 0;
    // The second batch's loss is NaN: its step is skipped and its gradient norm is NaN.
    const flaky: Loss = {
      name: 'flaky',
      reduction: 'mean',
      checkTarget: (t, shape) => mse.checkTarget(t, shape),
      compute: (pred, target, mask) => {
        const r = mse.compute(pred, target, mask);
        return ++calls === 2 ? { value: NaN, grad: r.grad } : r;
      },
    };
    const norms: number[] = [];
    const history = fit(make(), echoData(12, 5, 1), {
      loss: flaky,
      optimizer: sgd({ lr: 0.1 }),
      epochs: 1,
      batchSize: 4,
      onBatch: (b) => norms.push(b.gradNorm),
    });
    expect(Number.isNaN(norms[1])).toBe(true);
    const info = history.epochs[0];
    expect(info.skippedSteps).toBe(1);
    expect(info.maxGradNorm).toBe(Math.max(norms[0], norms[2]));
    expect(history.stopReason).toBe('completed');
  });

  it('counts epochs from initialEpoch and shuffles each epoch from (seed, epoch)', () => {
    const data = echoData(12, 4, 3);
    const orderOf = (initialEpoch: number, epochs: number): number[][] => {
      const seen: number[][] = [];
      fit(make(), data, {
        ...base(),
        epochs,
        initialEpoch,
        batchSize: 12,
        seed: 9,
        onEpoch: (e) => seen.push([e.epoch]),
      });
      return seen;
    };
    expect(orderOf(2, 4)).toEqual([[2], [3]]);
    // Epochs 2 and 3 of a resumed run are trained on the same batches as in the full run.
    const a = make();
    const b = make();
    const optA = adam({ lr: 0.01 });
    const optB = adam({ lr: 0.01 });
    const opts = { loss: mseLoss(), batchSize: 5, seed: 7 };
    fit(a, data, { ...opts, optimizer: optA, epochs: 4 });
    fit(b, data, { ...opts, optimizer: optB, epochs: 2 });
    fit(b, data, { ...opts, optimizer: optB, epochs: 4, initialEpoch: 2 });
    expect(b.params.values).toEqual(a.params.values);
  });
});
