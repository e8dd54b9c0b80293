import { describe, expect, it } from 'vitest';
import {
  Model,
  Tensor,
  crossEntropyLoss,
  defineLoss,
  evaluate,
  fit,
  gaussianNllLoss,
  gradCheckLoss,
  gradientFlow,
  huberLoss,
  mseLoss,
  sgd,
  trainStep,
  type Loss,
  type StepLoss,
} from '../src/index.js';
import { normalTensors } from './helpers/random.js';

const randn = normalTensors(8);
const step: StepLoss['step'] = (pred, p, n, target, q, grad) => {
  let e = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[p + i] - target[q + i];
    e += d * d;
    grad[p + i] = 2 * d;
  }
  return e;
};

describe('defineLoss rejects a spec it would misread', () => {
  it("rejects meanOver 'element' (a typo of 'elements')", () => {
    const spec = { name: 'typo', meanOver: 'element', step } as unknown as StepLoss;
    expect(() => defineLoss(spec)).toThrow(TypeError);
    expect(() => defineLoss(spec)).toThrow(
      `typo meanOver is "element", expected one of 'elements', 'steps'`,
    );
  });

  it('rejects a reversed targetRange', () => {
    const spec: StepLoss = { name: 'rev', meanOver: 'elements', targetRange: [1, 0], step };
    expect(() => defineLoss(spec)).toThrow(RangeError);
    expect(() => defineLoss(spec)).toThrow('rev targetRange is [1, 0], expected low <= high');
  });

  it('rejects unknown spec fields, a missing step, and bad feature counts', () => {
    const typo = { name: 'x', meanOver: 'steps', step, targetfeatures: 1 } as unknown as StepLoss;
    expect(() => defineLoss(typo)).toThrow(/unknown option 'targetfeatures'.*'targetFeatures'/);
    const noStep = { name: 'x', meanOver: 'steps' } as unknown as StepLoss;
    expect(() => defineLoss(noStep)).toThrow('x step is undefined, expected a function');
    expect(() => defineLoss({ name: 'x', meanOver: 'steps', targetFeatures: 0, step })).toThrow(
      RangeError,
    );
    expect(() =>
      defineLoss({ name: 'x', target: 'classes', meanOver: 'steps', targetFeatures: 2, step }),
    ).toThrow(TypeError);
  });

  it('is not changed by later edits of the spec object', () => {
    const spec: StepLoss = { name: 'kept', meanOver: 'elements', step };
    const loss = defineLoss(spec);
    spec.meanOver = 'steps';
    const r = loss.compute(
      new Tensor([1, 1, 2], Float64Array.from([1, 1])),
      new Tensor([1, 1, 2], 'float64'),
    );
    expect(r.value).toBe(1);
  });

  it('rejects bad options of the built-ins', () => {
    expect(() => huberLoss({ delta: 0 })).toThrow('delta is 0, expected a finite number > 0');
    expect(() => gaussianNllLoss({ variance: 'std' as never })).toThrow(TypeError);
    expect(() => mseLoss({ reduction: 'avg' as never })).toThrow(/reduction is "avg"/);
  });

  it("rejects a negative variance with variance: 'value', naming the step", () => {
    const loss = gaussianNllLoss({ variance: 'value' });
    const pred = Tensor.from(
      [
        [
          [0, 1],
          [0, -0.5],
        ],
      ],
      'float64',
    );
    expect(() => loss.compute(pred, Tensor.from([[[0], [1]]], 'float64'))).toThrow(
      "gaussian_nll variance is -0.5 at sequence 0 step 1, expected >= 0 (variance: 'log' accepts any output)",
    );
  });
});

describe('masks given to Loss.compute and gradCheckLoss', () => {
  const pred = randn([2, 3, 2]);
  const target = randn([2, 3, 2]);
  const rows = [
    [1, 0, 1],
    [1, 1, 0],
  ];

  it('applies a [B, T] tensor mask as the flat mask it stands for', () => {
    const loss = mseLoss();
    const flat = loss.compute(pred, target, Float64Array.from(rows.flat()));
    const tensor = loss.compute(pred, target, Tensor.from(rows, 'float64'));
    const nested = loss.compute(pred, target, rows);
    const none = loss.compute(pred, target, null);
    expect(tensor.value).toBe(flat.value);
    expect(nested.value).toBe(flat.value);
    expect(tensor.grad.data).toEqual(flat.grad.data);
    expect(tensor.value).not.toBe(none.value);
    expect(tensor.grad.data[2]).toBe(0);
  });

  it('rejects a mask of the wrong length or shape, or with values other than 0 and 1', () => {
    const loss = mseLoss();
    expect(() => loss.compute(pred, target, Float64Array.from([1, 1, 1, 1, 1]))).toThrow(
      'mask has 5 values, expected [2, 3] (one per step)',
    );
    expect(() => loss.compute(pred, target, Float64Array.from([1, 1, 1, 1, 1, 1, 1]))).toThrow(
      RangeError,
    );
    expect(() =>
      loss.compute(
        pred,
        target,
        Tensor.from([
          [1, 1],
          [1, 1],
          [1, 1],
        ]),
      ),
    ).toThrow('mask has shape [3, 2], expected [2, 3] (one per step)');
    expect(() =>
      loss.compute(pred, target, [
        [1, 0, 2],
        [1, 1, 1],
      ]),
    ).toThrow('mask has 2 at [0, 2], expected 0 or 1');
    expect(() => loss.compute(pred, target, 'all' as never)).toThrow(TypeError);
  });

  it('gradCheckLoss honours a [B, T] mask: masked steps are never evaluated', () => {
    const holed = pred.clone();
    holed.data[2] = Number.NaN; // step [0, 1], masked out
    const r = gradCheckLoss(mseLoss(), holed, target, { mask: Tensor.from(rows, 'float64') });
    expect(r.passed).toBe(true);
    expect(() => gradCheckLoss(mseLoss(), pred, target, { mask: [1, 0, 1] })).toThrow(
      'mask has shape [3], expected [2, 3] (one per step)',
    );
    expect(() => gradCheckLoss(mseLoss(), pred, target, { epsilon: -1 })).toThrow(RangeError);
    const positional = gradCheckLoss as unknown as (...args: unknown[]) => unknown;
    expect(() => positional(mseLoss(), pred, target, Float64Array.from(rows.flat()))).toThrow(
      'gradCheckLoss options is an object (Float64Array), expected { mask?, weights?, epsilon?, tolerance? }',
    );
  });
});

describe('calls that need a loss', () => {
  const model = new Model({ cell: 'rnn', inputSize: 2, hiddenSize: 3, outputSize: 2, seed: 1 });
  const data = { inputs: randn([2, 3, 2], 'float32'), targets: randn([2, 3, 2], 'float32') };
  const batch = { input: data.inputs, target: data.targets };

  it('evaluate without a loss says so', () => {
    const call = evaluate as unknown as (m: Model, d: typeof data) => number;
    expect(() => call(model, data)).toThrow(TypeError);
    expect(() => call(model, data)).toThrow('loss is undefined, expected a Loss such as mseLoss()');
  });

  it('gradientFlow without a loss or options says so', () => {
    const call = gradientFlow as unknown as (m: Model, b: typeof batch, o?: object) => unknown;
    expect(() => call(model, batch, {})).toThrow(
      'loss is undefined, expected a Loss such as mseLoss()',
    );
    expect(() => call(model, batch)).toThrow(
      'gradientFlow options are undefined, expected { loss, from? }',
    );
  });

  it("training and gradient flow reject reduction 'none', which gives no single number", () => {
    const before = model.params.values.slice();
    const none: Loss = mseLoss({ reduction: 'none' });
    const optimizer = sgd({ lr: 0.1 });
    const msg = "loss has reduction 'none' (per-step losses); this needs one number";
    expect(() => trainStep(model, batch, { loss: none, optimizer })).toThrow(msg);
    expect(() => fit(model, data, { loss: none, optimizer })).toThrow(msg);
    expect(() => gradientFlow(model, batch, { loss: none })).toThrow(msg);
    expect(model.params.values).toEqual(before);
  });
});

describe("evaluate with reduction 'none'", () => {
  it('returns the per-step errors [N, T], zero at padded steps, in every batch size', () => {
    const model = new Model({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 2, seed: 2 });
    const data = {
      inputs: randn([5, 4, 2], 'float32'),
      targets: randn([5, 4, 2], 'float32'),
      lengths: [4, 2, 3, 1, 4],
    };
    const steps = evaluate(model, data, mseLoss({ reduction: 'none' }), 2);
    expect(steps.shape).toEqual([5, 4]);
    expect(steps.data[1 * 4 + 2]).toBe(0);
    expect(steps.data[3 * 4 + 1]).toBe(0);
    expect(steps.data[0]).toBeGreaterThan(0);
    const whole = evaluate(model, data, mseLoss({ reduction: 'none' }), 5);
    expect(Array.from(steps.data)).toEqual(Array.from(whole.data));
    const sum = evaluate(model, data, mseLoss({ reduction: 'sum' }), 5);
    const total = Array.from(steps.data).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(sum, 4);
  });

  it('returns one error per sequence [N] with a last-step head, weighted by sample weights', () => {
    const model = new Model({
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: 3,
      outputSize: 4,
      head: 'last',
      seed: 2,
    });
    const data = {
      inputs: randn([3, 4, 2], 'float32'),
      targets: [0, 3, 1],
      weights: [1, 0, 2],
    };
    const steps = evaluate(model, data, crossEntropyLoss({ reduction: 'none' }));
    expect(steps.shape).toEqual([3]);
    expect(steps.data[1]).toBe(0);
    const plain = evaluate(
      model,
      { ...data, weights: undefined },
      crossEntropyLoss({ reduction: 'none' }),
    );
    expect(steps.data[2]).toBeCloseTo(2 * plain.data[2], 6);
  });

  it('types evaluate with a default-reduction loss as a number (the loss is not inferred as none)', () => {
    const model = new Model({ inputSize: 1, hiddenSize: 2, outputSize: 1, seed: 3 });
    const data = { inputs: [[[0.5], [1]]], targets: [[[0], [1]]] };
    // A compile-time check: `npm run typecheck` fails if `mseLoss()` is inferred as Loss<'none'> here.
    const value: number = evaluate(model, data, mseLoss());
    expect(typeof value).toBe('number');
  });
});
