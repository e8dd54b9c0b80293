import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { gaussianNllLoss, huberLoss, l1Loss, type Loss } from '../src/index.js';
import { loadCases, toTensor, type GoldenTensor } from './helpers/golden.js';
import { maxError } from './helpers/compare.js';

interface LossCase {
  name: string;
  loss: 'huber' | 'l1' | 'gaussian_nll';
  options: Record<string, unknown>;
  pred: GoldenTensor;
  target: GoldenTensor;
  mask: GoldenTensor | null;
  weights: GoldenTensor | null;
  value: number;
  grad: GoldenTensor;
  steps: GoldenTensor | null;
}

const dir = fileURLToPath(new URL('./golden-losses', import.meta.url));
const file = loadCases(dir)[0].json as { format: string; cases: LossCase[] };

function build(c: LossCase): Loss {
  if (c.loss === 'huber') return huberLoss(c.options);
  if (c.loss === 'l1') return l1Loss(c.options);
  return gaussianNllLoss(c.options);
}

describe('losses against PyTorch (float64, 1e-9)', () => {
  it('reads the loss golden format', () => {
    expect(file.format).toBe('rnn-loss-golden/1');
    const kinds = new Set(file.cases.map((c) => c.loss));
    expect([...kinds].sort()).toEqual(['gaussian_nll', 'huber', 'l1']);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const loss = build(c);
    const pred = toTensor(c.pred, 'float64');
    const target = toTensor(c.target, 'float64');
    loss.checkTarget(target, pred.shape);
    const mask = c.mask === null ? null : toTensor(c.mask, 'float64');
    const weights = c.weights === null ? null : toTensor(c.weights, 'float64');
    const r = loss.compute(pred, target, mask, weights);
    expect(Math.abs(r.value - c.value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.value)));
    expect(maxError(r.grad.data, c.grad.data, 'relative')).toBeLessThanOrEqual(1e-9);
    if (c.steps !== null) {
      expect(r.steps?.shape).toEqual(c.steps.shape);
      expect(maxError(r.steps!.data, c.steps.data, 'relative')).toBeLessThanOrEqual(1e-9);
    }
  });
});
