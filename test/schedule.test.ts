import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  cosineLR,
  exponentialLR,
  fit,
  mseLoss,
  reduceOnPlateau,
  sgd,
  stepLR,
  type LrSchedule,
} from '../src/index.js';

/** The rates a schedule gives after each of the given losses, starting from `base`. */
function rates(schedule: LrSchedule, base: number, losses: number[]): number[] {
  schedule.start(base);
  return losses.map((l) => schedule.next(l));
}

// Expected values: torch.optim.lr_scheduler 1.13 with the same settings, lr 1.
describe('learning-rate schedules', () => {
  it('stepLR multiplies by gamma every stepSize epochs', () => {
    const r = rates(stepLR({ stepSize: 3, gamma: 0.5 }), 1, new Array(7).fill(0));
    expect(r).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
  });

  it('exponentialLR multiplies by gamma every epoch', () => {
    const r = rates(exponentialLR({ gamma: 0.9 }), 2, [0, 0, 0]);
    r.forEach((v, i) => expect(v).toBeCloseTo(2 * 0.9 ** (i + 1), 14));
  });

  it('cosineLR follows half a cosine down to minLr, then stays', () => {
    const r = rates(cosineLR({ epochs: 4, minLr: 0.1 }), 1, [0, 0, 0, 0, 0]);
    const torch = [0.8681980515339464, 0.55, 0.23180194846605368, 0.1, 0.1];
    r.forEach((v, i) => expect(v).toBeCloseTo(torch[i], 12));
    const d = rates(cosineLR({ epochs: 2 }), 1, [0, 0]);
    expect(d[1]).toBeCloseTo(0.01, 14);
  });

  it('reduceOnPlateau cuts the rate after patience epochs without improvement', () => {
    const losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85];
    const r = rates(reduceOnPlateau({ factor: 0.5, patience: 2, cooldown: 1 }), 1, losses);
    expect(r).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]);
  });

  it('reduceOnPlateau stops at minLr', () => {
    const r = rates(reduceOnPlateau({ factor: 0.1, patience: 0, minLr: 0.05 }), 1, [1, 1, 1, 1]);
    expect(r).toEqual([1, 0.1, 0.05, 0.05]);
  });

  it('rejects bad options and use before start', () => {
    expect(() => stepLR({ stepSize: 0 })).toThrow(RangeError);
    expect(() => exponentialLR({ gamma: 0 })).toThrow(RangeError);
    expect(() => exponentialLR({ gamma: 1.5 })).toThrow(RangeError);
    expect(() => cosineLR({ epochs: 3, minLr: 0 })).toThrow(RangeError);
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(RangeError);
    expect(() => reduceOnPlateau({ patiense: 2 } as never)).toThrow(/did you mean 'patience'/);
    expect(() => stepLR({ stepSize: 2 }).next(0)).toThrow(/call start/);
  });

  it('fit steps the schedule after every epoch and reports each epoch rate', () => {
    const rng = new Rng(1);
    const inputs = new Tensor([8, 4, 1]);
    for (let i = 0; i < inputs.size; i++) inputs.data[i] = rng.uniform(-1, 1);
    const model = new Model({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 1 });
    const optimizer = sgd({ lr: 0.1 });
    const history = fit(
      model,
      { inputs, targets: inputs },
      { loss: mseLoss(), optimizer, epochs: 5, batchSize: 8, schedule: stepLR({ stepSize: 2 }) },
    );
    const lrs = history.epochs.map((e) => e.lr);
    [0.1, 0.1, 0.01, 0.01, 0.001].forEach((v, i) => expect(lrs[i]).toBeCloseTo(v, 15));
    expect(optimizer.lr).toBeCloseTo(0.001, 15);
    expect(() =>
      fit(
        model,
        { inputs, targets: inputs },
        {
          loss: mseLoss(),
          optimizer,
          schedule: {} as LrSchedule,
        },
      ),
    ).toThrow(/schedule is an object/);
  });
});
