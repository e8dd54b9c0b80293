import { describe, expect, it, beforeEach } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  bceWithLogitsLoss,
  crossEntropyLoss,
  gaussianNllLoss,
  gradCheck,
  gradCheckLoss,
  huberLoss,
  l1Loss,
  mseLoss,
  type CellType,
  type InitialStateMode,
  type ModelOptions,
} from '../src/index.js';
import { normalTensors } from './helpers/random.js';
import { byBackend, useBackend } from './helpers/backend.js';

let rng: Rng;
let randn: ReturnType<typeof normalTensors>;
// Every test starts from freshly seeded generators: its data does not depend on test order.
beforeEach(() => {
  rng = new Rng(7);
  randn = normalTensors(107);
});

const B = 3;
const T = 4;
const I = 2;
const H = 3;
const O = 2;

function build(
  cell: CellType,
  initialState: InitialStateMode,
  extra: Partial<ModelOptions> = {},
): Model {
  const model = new Model({
    cell,
    inputSize: I,
    hiddenSize: H,
    numLayers: 2,
    bidirectional: true,
    outputSize: O,
    initialState,
    ...(initialState === 'encoded' ? { contextSize: 2 } : {}),
    dtype: 'float64',
    seed: 3,
    ...extra,
  });
  // Spread the parameters wider than the default init so the check sees non-trivial curvature.
  for (let i = 0; i < model.params.values.length; i++) model.params.values[i] = 0.5 * rng.normal();
  return model;
}

function stateInputs(cell: CellType, mode: InitialStateMode) {
  const S = 4; // 2 layers x 2 directions
  if (mode === 'given')
    return { h0: randn([S, B, H]), ...(cell === 'lstm' ? { c0: randn([S, B, H]) } : {}) };
  if (mode === 'encoded') return { context: randn([B, 2]) };
  return {};
}

describe.each(byBackend(['rnn', 'lstm', 'gru'] as const))(
  'finite differences in float64: %s, %s backend',
  (cell, backend) => {
    useBackend(backend);
    for (const mode of ['zeros', 'learned', 'encoded', 'given'] as const) {
      it(`matches every parameter, the input and the initial state (${mode}), with a length mask`, () => {
        const model = build(cell, mode);
        const result = gradCheck(
          model,
          {
            input: randn([B, T, I]),
            target: randn([B, T, O]),
            lengths: [4, 2, 3],
            ...stateInputs(cell, mode),
          },
          { loss: mseLoss({ reduction: 'sum' }) },
        );
        const names = result.entries.map((e) => e.name);
        for (const p of model.params.list) expect(names).toContain(p.name);
        expect(names).toContain('input');
        if (mode === 'given') expect(names).toContain('h0');
        if (mode === 'given' && cell === 'lstm') expect(names).toContain('c0');
        if (mode === 'encoded') expect(names).toContain('context');
        if (mode === 'learned') expect(names).toContain('h0');
        const worst = result.entries.reduce((a, b) => (a.error > b.error ? a : b));
        expect(result.passed, `${worst.name}: error ${worst.error}`).toBe(true);
        expect(result.maxError).toBeLessThan(1e-6);
      });
    }

    it('matches with a last-step head, relu/no-bias variants and cross-entropy with an explicit mask', () => {
      const extra: Partial<ModelOptions> =
        cell === 'rnn' ? { nonlinearity: 'relu', bias: false } : { bias: false };
      const last = build(cell, 'zeros', { head: 'last', ...extra });
      const r1 = gradCheck(
        last,
        { input: randn([B, T, I]), target: [1, 0, 1], lengths: [2, 4, 1] },
        { loss: crossEntropyLoss() },
      );
      expect(r1.passed, `max error ${r1.maxError}`).toBe(true);
      const seq = build(cell, 'learned', { bidirectional: false, numLayers: 1 });
      const r2 = gradCheck(
        seq,
        {
          input: randn([B, T, I]),
          target: [
            [0, 1, 1, 0],
            [1, 1, 0, 0],
            [0, 0, 1, 1],
          ],
          mask: [
            [1, 1, 0, 1],
            [1, 0, 1, 1],
            [0, 1, 1, 1],
          ],
        },
        { loss: crossEntropyLoss({ reduction: 'mean' }) },
      );
      expect(r2.passed, `max error ${r2.maxError}`).toBe(true);
    });
  },
);

describe('finite differences on losses', () => {
  it('matches each built-in loss gradient', () => {
    const pred = randn([2, 3, 4]);
    const mask = Float64Array.from([1, 0, 1, 1, 1, 0]);
    const values = randn([2, 3, 4]);
    const probs = new Tensor(
      [2, 3, 4],
      values.data.map((v) => 1 / (1 + Math.exp(-v))),
    );
    const classes = new Tensor([2, 3], Float64Array.from([0, 3, 2, 1, 1, 0]));
    for (const [loss, target] of [
      [mseLoss(), values],
      [mseLoss({ reduction: 'sum' }), values],
      [bceWithLogitsLoss(), probs],
      [crossEntropyLoss(), classes],
      [huberLoss({ delta: 0.5 }), values],
      [l1Loss({ reduction: 'sum' }), values],
    ] as const) {
      const result = gradCheckLoss(loss, pred, target, { mask });
      expect(result.passed, loss.name).toBe(true);
      expect(result.maxError, loss.name).toBeLessThan(1e-7);
    }
    // Gaussian NLL: a mean and a (log-)variance per step against one value.
    const meanVar = randn([2, 3, 2]);
    for (let k = 0; k < 6; k++) meanVar.data[2 * k + 1] = 0.2 + Math.abs(meanVar.data[2 * k + 1]);
    const observed = randn([2, 3, 1]);
    for (const loss of [gaussianNllLoss({ full: true }), gaussianNllLoss({ variance: 'value' })]) {
      const result = gradCheckLoss(loss, meanVar, observed, { mask, weights: [2, 0.5] });
      expect(result.passed, loss.name).toBe(true);
    }
  });

  it('notices a wrong gradient', () => {
    const broken = {
      ...mseLoss(),
      compute(pred: Tensor, target: Tensor) {
        const r = mseLoss().compute(pred, target, null);
        r.grad.data[0] *= 2;
        return r;
      },
    };
    const result = gradCheckLoss(broken, randn([1, 2, 2]), randn([1, 2, 2]));
    expect(result.passed).toBe(false);
    expect(result.entries[0].error).toBeGreaterThan(0.1);
  });
});
