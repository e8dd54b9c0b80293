import { describe, expect, it } from 'vitest';
import {
  Model,
  Tensor,
  adam,
  crossEntropyLoss,
  defineLoss,
  fit,
  mseLoss,
  sgd,
  trainStep,
  type ModelOptions,
} from '../src/index.js';

const base: ModelOptions = { cell: 'gru', inputSize: 3, hiddenSize: 4, outputSize: 2, seed: 1 };
const input = (B: number, T: number, I = 3): Tensor => {
  const t = new Tensor([B, T, I]);
  t.data.forEach((_, i) => (t.data[i] = Math.sin(i)));
  return t;
};
const target = (B: number, T: number, O = 2): Tensor => new Tensor([B, T, O]);
const train = { loss: mseLoss(), optimizer: sgd({ lr: 0.1 }) };

describe('model options', () => {
  it('rejects an unknown option name, suggesting the right one', () => {
    const typo = { ...base, hiddensize: 4 } as unknown as ModelOptions;
    expect(() => new Model(typo)).toThrow(TypeError);
    expect(() => new Model(typo)).toThrow(/hiddensize.*did you mean 'hiddenSize'/);
  });

  it.each([
    ['hiddenSize', 0, RangeError],
    ['hiddenSize', -2, RangeError],
    ['hiddenSize', 2.5, TypeError],
    ['inputSize', Number.NaN, TypeError],
    ['numLayers', 0, RangeError],
    ['outputSize', 1.5, TypeError],
  ] as const)('rejects %s = %s', (key, value, kind) => {
    const opts = { ...base, [key]: value };
    expect(() => new Model(opts)).toThrow(kind);
    expect(() => new Model(opts)).toThrow(new RegExp(`${key} is ${String(value)}`));
  });

  it('rejects an unknown cell and options that do not apply', () => {
    expect(() => new Model({ ...base, cell: 'transformer' as 'rnn' })).toThrow(
      /cell is "transformer"/,
    );
    expect(() => new Model({ ...base, cell: 'gru', nonlinearity: 'relu' })).toThrow(
      /rnn' cell only/,
    );
    expect(() => new Model({ ...base, initialState: 'encoded' })).toThrow(/contextSize/);
    expect(() => new Model({ ...base, contextSize: 3 })).toThrow(/'encoded' only/);
    expect(() => new Model({ ...base, unitForgetBias: true })).toThrow(/'lstm' cell only/);
  });
});

describe('forward inputs', () => {
  const model = new Model(base);

  it('names the feature count when it is wrong', () => {
    expect(() => model.forward(input(2, 5, 7))).toThrow(RangeError);
    expect(() => model.forward(input(2, 5, 7))).toThrow(
      'input has 7 features per step, the model expects 3',
    );
  });

  it('rejects ragged sequences given without lengths', () => {
    const ragged = [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [[1, 2, 3]],
    ];
    expect(() => model.forward(ragged)).toThrow(
      /sequence 1 has 1 steps but sequence 0 has 2.*lengths/,
    );
  });

  it.each([Number.NaN, Infinity, -Infinity])('rejects %s in the input', (bad) => {
    const x = input(2, 3);
    x.data[7] = bad;
    expect(() => model.forward(x)).toThrow(RangeError);
    expect(() => model.forward(x)).toThrow(`input has ${bad} at [0, 2, 1]`);
  });

  it('rejects an empty batch and zero-length sequences', () => {
    expect(() => model.forward(new Tensor([0, 3, 3]))).toThrow(/empty batch/);
    expect(() => model.forward(new Tensor([2, 0, 3]))).toThrow(/zero-length/);
    expect(() => model.forward([])).toThrow(RangeError);
  });

  it('rejects unknown forward and backward option names', () => {
    expect(() => model.forward(input(2, 3), { lenghts: [3, 3] } as never)).toThrow(
      "forward options has an unknown option 'lenghts' (did you mean 'lengths'?)",
    );
    model.forward(input(1, 2));
    expect(() => model.backward(target(1, 2), { gradh: target(1, 2) } as never)).toThrow(
      /backward options has an unknown option 'gradh'/,
    );
  });

  it('rejects lengths out of range and initial states of the wrong shape', () => {
    expect(() => model.forward(input(2, 3), { lengths: [3, 4] })).toThrow(
      'lengths[1] is 4, expected an integer in [1, 3]',
    );
    expect(() => model.forward(input(2, 3), { lengths: [3] })).toThrow(
      /1 entries, the batch has 2/,
    );
    expect(() => model.forward(input(2, 3), { h0: new Tensor([1, 3, 4]) })).toThrow(
      'h0 has shape [1, 3, 4], expected [1, 2, 4]',
    );
    expect(() => model.forward(input(2, 3), { c0: new Tensor([1, 2, 4]) })).toThrow(
      /LSTM models only/,
    );
  });

  it('requires the initial state in given mode and the context in encoded mode', () => {
    expect(() => new Model({ ...base, initialState: 'given' }).forward(input(1, 2))).toThrow(
      /h0 is missing/,
    );
    const enc = new Model({ ...base, initialState: 'encoded', contextSize: 2 });
    expect(() => enc.forward(input(1, 2))).toThrow(/context is missing/);
    expect(() => enc.forward(input(1, 2), { context: [[1, 2, 3]] })).toThrow(
      'context has shape [1, 3], expected [1, 2]',
    );
  });
});

describe('backward', () => {
  it('needs a forward pass of its own', () => {
    const model = new Model(base);
    expect(() => model.backward(target(1, 2))).toThrow('backward needs a forward pass first');
    model.forward(input(1, 2));
    expect(() => model.backward(target(1, 3))).toThrow(
      'gradOutput has shape [1, 3, 2], expected [1, 2, 2]',
    );
    model.backward(target(1, 2));
    expect(() => model.backward(target(1, 2))).toThrow(/already used the last forward pass/);
  });
});

describe('training inputs', () => {
  it('rejects a target of the wrong shape', () => {
    const model = new Model(base);
    expect(() => trainStep(model, { input: input(2, 3), target: target(2, 3, 5) }, train)).toThrow(
      'target has shape [2, 3, 5], mse expects shape [2, 3, 2]',
    );
  });

  it('rejects a mask for a model whose head reads the last step only', () => {
    const model = new Model({ ...base, head: 'last' });
    const batch = {
      input: input(2, 3),
      target: new Tensor([2, 2]),
      mask: [
        [1, 1, 0],
        [1, 0, 0],
      ],
    };
    expect(() => trainStep(model, batch, train)).toThrow(/mask applies to a head at every step/);
  });

  it('rejects NaN in targets and class indices out of range', () => {
    const model = new Model(base);
    const y = target(2, 3);
    y.data[4] = Number.NaN;
    expect(() => trainStep(model, { input: input(2, 3), target: y }, train)).toThrow(
      /target has NaN at \[0, 2, 0\]/,
    );
    const ce = { loss: crossEntropyLoss(), optimizer: sgd({ lr: 0.1 }) };
    const classes = [
      [0, 1, 2],
      [1, 1, 0],
    ];
    expect(() => trainStep(model, { input: input(2, 3), target: classes }, ce)).toThrow(
      'target class index 2 at [0, 2] is out of range: expected an integer in [0, 2)',
    );
  });

  it.each([0, -0.1, Number.NaN, Infinity])('rejects the learning rate %s', (lr) => {
    expect(() => sgd({ lr })).toThrow(`lr is ${lr}`);
    expect(() => adam({ lr })).toThrow(`lr is ${lr}`);
  });

  it('rejects unknown batch, clip and fit option names', () => {
    const model = new Model(base);
    const batch = { input: input(2, 3), target: target(2, 3) };
    expect(() => trainStep(model, { ...batch, lenghts: [1, 2] } as never, train)).toThrow(
      /unknown option 'lenghts'/,
    );
    expect(() => trainStep(model, batch, { ...train, clip: { maxnorm: 1 } as never })).toThrow(
      /clip is/,
    );
    expect(() =>
      fit(model, { inputs: input(2, 3), targets: target(2, 3) }, { ...train, epoch: 3 } as never),
    ).toThrow(/unknown option 'epoch'.*'epochs'/);
  });

  it('leaves every weight as it was when a step fails validation', () => {
    const model = new Model(base);
    const before = model.params.values.slice();
    const y = target(2, 3);
    y.data[0] = Infinity;
    expect(() => trainStep(model, { input: input(2, 3), target: y }, train)).toThrow(RangeError);
    expect(() => trainStep(model, { input: input(2, 3, 4), target: target(2, 3) }, train)).toThrow(
      RangeError,
    );
    expect(model.params.values).toEqual(before);
  });

  it('skips the update and keeps the weights when the gradient is not finite', () => {
    const model = new Model(base);
    const optimizer = adam({ lr: 0.1 });
    const poisoned = defineLoss({
      name: 'poisoned',
      target: 'values',
      meanOver: 'elements',
      step(_pred, p, n, _target, _q, grad) {
        for (let i = 0; i < n; i++) grad[p + i] = Number.NaN;
        return 1;
      },
    });
    const before = model.params.values.slice();
    const r = trainStep(
      model,
      { input: input(2, 3), target: target(2, 3) },
      { loss: poisoned, optimizer },
    );
    expect(r.skipped).toBe(true);
    expect(Number.isNaN(r.gradNorm)).toBe(true);
    expect(model.params.values).toEqual(before);
    // The optimizer took no step either: its next update is a first step.
    const fresh = new Model(base);
    trainStep(model, { input: input(2, 3), target: target(2, 3) }, { loss: mseLoss(), optimizer });
    trainStep(
      fresh,
      { input: input(2, 3), target: target(2, 3) },
      { loss: mseLoss(), optimizer: adam({ lr: 0.1 }) },
    );
    expect(model.params.values).toEqual(fresh.params.values);
  });
});

describe('state dicts', () => {
  it('rejects missing, extra and wrongly shaped entries and loads nothing', () => {
    const model = new Model(base);
    const before = model.params.values.slice();
    const good = new Model({ ...base, seed: 9 }).stateDict();
    const { ['head.bias']: _dropped, ...missing } = good;
    expect(() => model.loadStateDict(missing)).toThrow('state dict is missing entries: head.bias');
    expect(() => model.loadStateDict({ ...good, extra: new Tensor([1]) })).toThrow(
      'unexpected entries: extra',
    );
    expect(() => model.loadStateDict({ ...good, 'head.bias': new Tensor([3]) })).toThrow(
      'state dict entry head.bias has shape [3], expected [2]',
    );
    const nan = { ...good, 'head.bias': new Tensor([2], Float32Array.from([0, Number.NaN])) };
    expect(() => model.loadStateDict(nan)).toThrow(/head.bias has NaN at 1/);
    expect(model.params.values).toEqual(before);
    model.loadStateDict(good);
    expect(model.params.values).not.toEqual(before);
  });
});
