import { describe, expect, it } from 'vitest';
import {
  Tensor,
  defineLoss,
  gradCheckLoss,
  mseLoss,
  type FloatArray,
  type Loss,
  type Reduction,
} from '../src/index.js';
import { normalTensors } from './helpers/random.js';

const randn = normalTensors(12);
const B = 3;
const T = 4;

/** Huber written as a user would, over defineLoss alone. */
function userHuber(reduction: Reduction, delta = 0.7): Loss {
  return defineLoss(
    {
      name: 'user_huber',
      meanOver: 'elements',
      step(pred, p, n, target, q, grad) {
        let e = 0;
        for (let i = 0; i < n; i++) {
          const d = pred[p + i] - target[q + i];
          const a = Math.abs(d);
          e += a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
          grad[p + i] = Math.max(-delta, Math.min(delta, d));
        }
        return e;
      },
    },
    { reduction },
  );
}

/** Pinball (quantile) loss for quantile tau. */
function userPinball(reduction: Reduction, tau = 0.9): Loss {
  return defineLoss(
    {
      name: 'pinball',
      meanOver: 'elements',
      step(pred, p, n, target, q, grad) {
        let e = 0;
        for (let i = 0; i < n; i++) {
          const u = target[q + i] - pred[p + i];
          e += u >= 0 ? tau * u : (tau - 1) * u;
          grad[p + i] = u >= 0 ? -tau : 1 - tau;
        }
        return e;
      },
    },
    { reduction },
  );
}

/** Gaussian NLL: prediction = mean and log-variance per step, target = one value per step. */
function userGaussian(reduction: Reduction): Loss {
  return defineLoss(
    {
      name: 'user_gaussian_nll',
      predFeatures: 2,
      targetFeatures: 1,
      meanOver: 'steps',
      step(pred: FloatArray, p: number, _n: number, target: FloatArray, q: number, grad) {
        const v = Math.exp(pred[p + 1]);
        const d = pred[p] - target[q];
        grad[p] = d / v;
        grad[p + 1] = 0.5 - (0.5 * d * d) / v;
        return 0.5 * (pred[p + 1] + (d * d) / v);
      },
    },
    { reduction },
  );
}

const mask = new Tensor([B, T], Float64Array.from([1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1]));
const stepWeights = new Tensor(
  [B, T],
  Float64Array.from([0.5, 1, 2, 3, 1, 1, 0, 2, 0.25, 4, 1, 1]),
);

describe('losses written with defineLoss alone', () => {
  const cases: Array<[string, (r: Reduction) => Loss, number, number]> = [
    ['huber', userHuber, 3, 3],
    ['pinball', userPinball, 2, 2],
    ['gaussian nll', userGaussian, 2, 1],
  ];
  for (const [name, make, F, M] of cases) {
    for (const reduction of ['mean', 'sum'] as const) {
      it(`${name} (${reduction}) passes gradCheckLoss plain, with a mask and with weights`, () => {
        const pred = randn([B, T, F]);
        const target = randn([B, T, M]);
        const loss = make(reduction);
        const runs = [
          gradCheckLoss(loss, pred, target),
          gradCheckLoss(loss, pred, target, { mask }),
          gradCheckLoss(loss, pred, target, { weights: stepWeights }),
          gradCheckLoss(loss, pred, target, { mask, weights: [0.5, 2, 3] }),
        ];
        for (const r of runs) expect(r.passed, `error ${r.maxError}`).toBe(true);
      });
    }
  }

  it('tells the step function which sequence and step it scores, real steps only', () => {
    const seen: string[] = [];
    const spy = defineLoss({
      name: 'spy',
      meanOver: 'steps',
      step(_pred, _p, _n, _target, _q, _grad, b, t) {
        seen.push(`${b},${t}`);
        return 0;
      },
    });
    spy.compute(randn([2, 3, 1]), randn([2, 3, 1]), [
      [1, 0, 1],
      [0, 1, 1],
    ]);
    expect(seen).toEqual(['0,0', '0,2', '1,1', '1,2']);
  });

  it('weights steps by time through the step index, as a [B, T] weight tensor would', () => {
    const gamma = 0.8;
    const discounted = defineLoss({
      name: 'discounted_mse',
      meanOver: 'elements',
      step(pred, p, n, target, q, grad, _b, t) {
        const w = gamma ** (T - 1 - t);
        let e = 0;
        for (let i = 0; i < n; i++) {
          const d = pred[p + i] - target[q + i];
          e += w * d * d;
          grad[p + i] = 2 * w * d;
        }
        return e;
      },
    });
    const pred = randn([B, T, 2]);
    const target = randn([B, T, 2]);
    const w = new Tensor([B, T], 'float64');
    for (let k = 0; k < B * T; k++) w.data[k] = gamma ** (T - 1 - (k % T));
    const a = discounted.compute(pred, target, null);
    const b = mseLoss({ reduction: 'sum' }).compute(pred, target, null, w);
    expect(a.value * 2 * B * T).toBeCloseTo(b.value, 12);
  });

  it('checks a target with its own number of features per step', () => {
    const loss = userGaussian('mean');
    expect(() => loss.checkTarget(randn([B, T, 2]), [B, T, 2])).toThrow(
      'target has shape [3, 4, 2], user_gaussian_nll expects shape [3, 4, 1]',
    );
    expect(() => loss.checkTarget(randn([B, T, 1]), [B, T, 3])).toThrow(
      'predictions have 3 features per step, user_gaussian_nll expects 2',
    );
    expect(() => loss.checkTarget(randn([B, T, 1]), [B, T, 2])).not.toThrow();
  });
});

describe("'none' reduction", () => {
  it('gives the weighted per-step errors, zero at masked steps, and the gradient of their sum', () => {
    const pred = randn([B, T, 2]);
    const target = randn([B, T, 2]);
    const none = mseLoss({ reduction: 'none' }).compute(pred, target, mask, stepWeights);
    const sum = mseLoss({ reduction: 'sum' }).compute(pred, target, mask, stepWeights);
    expect(none.steps?.shape).toEqual([B, T]);
    for (let k = 0; k < B * T; k++) {
      const d0 = pred.data[2 * k] - target.data[2 * k];
      const d1 = pred.data[2 * k + 1] - target.data[2 * k + 1];
      const expected = mask.data[k] * stepWeights.data[k] * (d0 * d0 + d1 * d1);
      expect(none.steps!.data[k]).toBeCloseTo(expected, 12);
    }
    expect(none.value).toBeCloseTo(sum.value, 12);
    expect(Array.from(none.grad.data)).toEqual(Array.from(sum.grad.data));
  });
});

describe("'mean' with sample weights", () => {
  it('divides by the total weight of the real steps', () => {
    const pred = randn([B, T, 2]);
    const target = randn([B, T, 2]);
    const r = mseLoss().compute(pred, target, mask, [0.5, 2, 3]);
    let num = 0;
    let den = 0;
    for (let k = 0; k < B * T; k++) {
      const w = mask.data[k] * [0.5, 2, 3][Math.floor(k / T)];
      for (let f = 0; f < 2; f++) num += w * (pred.data[2 * k + f] - target.data[2 * k + f]) ** 2;
      den += 2 * w;
    }
    expect(r.value).toBeCloseTo(num / den, 12);
  });

  it('rejects negative or non-finite weights, and changes nothing', () => {
    const pred = randn([1, 2, 1]);
    const keep = pred.data.slice();
    const t = randn([1, 2, 1]);
    expect(() => mseLoss().compute(pred, t, null, [[1, -1]])).toThrow(
      'weights has -1 at [0, 1], expected finite numbers >= 0',
    );
    expect(() => mseLoss().compute(pred, t, null, [Number.NaN])).toThrow(RangeError);
    expect(pred.data).toEqual(keep);
  });
});
