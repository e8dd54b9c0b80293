import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  adam,
  fit,
  mseLoss,
  sgd,
  trainStep,
  type Loss,
  type NonFinitePolicy,
  type Optimizer,
} from '../src/index.js';

/**
 * The forced explosion: a relu RNN whose weights are scaled up 7.5x, T = 60, SGD lr 1e3, no
 * clipping. The gradient norm is finite (about 6e38) but the float32 update overflows.
 */
function explosive(): { model: Model; input: Tensor; target: Tensor } {
  const model = new Model({
    cell: 'rnn',
    nonlinearity: 'relu',
    inputSize: 2,
    hiddenSize: 8,
    outputSize: 1,
    seed: 1,
  });
  const v = model.params.values;
  for (let i = 0; i < v.length; i++) v[i] *= 7.5;
  const rng = new Rng(5);
  const input = new Tensor([4, 60, 2]);
  for (let i = 0; i < input.size; i++) input.data[i] = rng.uniform(-1, 1);
  return { model, input, target: new Tensor([4, 60, 1]) };
}

const POLICIES: readonly NonFinitePolicy[] = ['skip', 'stop', 'throw'];

function expectSaveable(model: Model): void {
  expect(model.params.values.every(Number.isFinite)).toBe(true);
  const copy = Model.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  expect(copy.params.values).toEqual(model.params.values);
}

describe('the non-finite guard of a training step', () => {
  it.each(POLICIES)(
    'undoes an update that overflows float32 weights, with a finite gradient norm (%s)',
    (policy) => {
      const { model, input, target } = explosive();
      const before = model.params.values.slice();
      const optimizer = sgd({ lr: 1e3 });
      const options = { loss: mseLoss(), optimizer, onNonFinite: policy };
      if (policy === 'throw') {
        expect(() => trainStep(model, { input, target }, options)).toThrow(
          /training step undone: the update would make rnn\.\w+\[\d+\] -?Infinity/,
        );
      } else {
        const r = trainStep(model, { input, target }, options);
        expect(r.skipped).toBe(true);
        expect(Number.isFinite(r.gradNorm)).toBe(true);
        expect(r.skipReason).toMatch(/the update would make .* -?Infinity/);
      }
      expect(model.params.values).toEqual(before);
      expect(optimizer.stateDict().step).toBe(0);
      expectSaveable(model);
    },
  );

  it.each(POLICIES)('ends fit with every weight finite and the model loadable (%s)', (policy) => {
    const { model, input, target } = explosive();
    const run = () =>
      fit(
        model,
        { inputs: input, targets: target },
        {
          loss: mseLoss(),
          optimizer: sgd({ lr: 1e3 }),
          epochs: 20,
          batchSize: 2,
          onNonFinite: policy,
        },
      );
    if (policy === 'throw') {
      expect(run).toThrow(RangeError);
    } else {
      const history = run();
      expect(history.stopReason).toMatch(
        policy === 'stop' ? /onNonFinite 'stop'/ : /5 steps skipped in a row/,
      );
      expect(history.stopReason).toMatch(/^stopped in epoch \d+\/20 batch \d+\/2: /);
      expect(history.epochs.length).toBeLessThan(20);
    }
    expectSaveable(model);
  });

  it('undoes an update that leaves weights finite but makes the optimizer state infinite', () => {
    // A float64 model and a loss whose gradient is 1e200: Adam's g² overflows to Infinity while
    // m / sqrt(v) stays finite, so only the optimizer state would be corrupted.
    const model = new Model({ inputSize: 1, hiddenSize: 2, outputSize: 1, dtype: 'float64' });
    const huge: Loss = {
      name: 'huge',
      reduction: 'sum',
      checkTarget: () => undefined,
      compute: (pred) => ({ value: 1, grad: pred.map(() => 1e200) }),
    };
    const optimizer = adam({ lr: 0.1 });
    const before = model.params.values.slice();
    const input = [[[0.5], [-0.25]]];
    const r = trainStep(model, { input, target: [[[0], [0]]] }, { loss: huge, optimizer });
    expect(r.skipped).toBe(true);
    expect(r.skipReason).toMatch(/optimizer's exp_avg_sq\[\d+\] Infinity/);
    expect(Number.isFinite(r.gradNorm)).toBe(true);
    expect(model.params.values).toEqual(before);
    expect(optimizer.stateDict()).toEqual({ name: 'adam', lr: 0.1, step: 0, state: {} });
  });

  it('restores the optimizer state of earlier steps exactly after an undone step', () => {
    const { model, input, target } = explosive();
    const v = model.params.values;
    for (let i = 0; i < v.length; i++) v[i] /= 7.5;
    const optimizer: Optimizer = sgd({ lr: 1e-3, momentum: 0.9 });
    trainStep(model, { input, target }, { loss: mseLoss(), optimizer });
    const state = optimizer.stateDict();
    const weights = v.slice();
    optimizer.lr = 1e60; // the next update overflows
    const r = trainStep(model, { input, target }, { loss: mseLoss(), optimizer });
    expect(r.skipped).toBe(true);
    expect(v).toEqual(weights);
    expect(optimizer.stateDict()).toEqual({ ...state, lr: 1e60 });
  });

  it('rejects an unknown policy and unknown step options', () => {
    const { model, input, target } = explosive();
    const before = model.params.values.slice();
    const options = { loss: mseLoss(), optimizer: sgd({ lr: 1 }) };
    expect(() =>
      trainStep(model, { input, target }, { ...options, onNonFinite: 'ignore' as 'skip' }),
    ).toThrow(/onNonFinite is "ignore", expected one of 'skip', 'stop', 'throw'/);
    expect(() =>
      trainStep(model, { input, target }, { ...options, clipp: { maxNorm: 1 } } as never),
    ).toThrow(/training options has an unknown option 'clipp' \(did you mean 'clip'\?\)/);
    expect(model.params.values).toEqual(before);
  });
});
