import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adagrad,
  adam,
  adamw,
  rmsprop,
  sgd,
  type AdagradOptions,
  type AdamOptions,
  type FloatArray,
  type Optimizer,
  type RmsPropOptions,
  type SgdOptions,
} from '../src/index.js';
import { maxError } from './helpers/compare.js';

// Made by scripts/golden_optim.py from torch.optim in float64.
type Kind = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

interface OptimizerCase {
  name: string;
  optimizer: Kind;
  options: Record<string, unknown>;
  steps: number[][];
}

interface Golden {
  params: number[];
  grads: number[][];
  optimizers: OptimizerCase[];
}

const golden = JSON.parse(
  readFileSync(new URL('./golden-optim/optimizers.json', import.meta.url), 'utf8'),
) as Golden;

const KINDS: readonly Kind[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'];

/** Builds an rnnkit optimizer from options that may be invalid (the point of several tests). */
function make(kind: Kind, options: Record<string, unknown>): Optimizer {
  switch (kind) {
    case 'sgd':
      return sgd(options as unknown as SgdOptions);
    case 'adam':
      return adam(options as unknown as AdamOptions);
    case 'adamw':
      return adamw(options as unknown as AdamOptions);
    case 'rmsprop':
      return rmsprop(options as unknown as RmsPropOptions);
    case 'adagrad':
      return adagrad(options as unknown as AdagradOptions);
  }
}

function arrays(kind: 'float64' | 'float32'): { params: FloatArray; grads: FloatArray[] } {
  const from = (v: number[]) => (kind === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
  return { params: from(golden.params), grads: golden.grads.map(from) };
}

describe('optimizers against torch.optim', () => {
  it('has the golden configurations for every optimizer', () => {
    expect(golden.optimizers.length).toBe(15);
    expect(new Set(golden.optimizers.map((c) => c.optimizer))).toEqual(new Set(KINDS));
    for (const c of golden.optimizers) expect(c.steps.length).toBe(golden.grads.length);
  });

  describe.each([
    ['float64', 1e-12],
    ['float32', 1e-5],
  ] as const)('in %s', (dtype, tol) => {
    for (const c of golden.optimizers) {
      it(`matches torch.optim: ${c.name}`, () => {
        const { params, grads } = arrays(dtype);
        const opt = make(c.optimizer, c.options);
        grads.forEach((g, k) => {
          opt.step(params, g);
          const err = maxError(params, c.steps[k], 'relativeAbove1');
          expect(err, `step ${k + 1}: relative error ${err}`).toBeLessThanOrEqual(tol);
        });
      });
    }
  });
});

describe('optimizer options', () => {
  describe.each(KINDS)('%s', (kind) => {
    it.each([
      { lr: 0, error: RangeError },
      { lr: -0.5, error: RangeError },
      { lr: Infinity, error: RangeError },
      { lr: -Infinity, error: RangeError },
      { lr: NaN, error: TypeError },
    ])('rejects lr = $lr with a $error.name naming the value', ({ lr, error }) => {
      const call = () => make(kind, { lr });
      expect(call).toThrow(error);
      expect(call).toThrow(`lr is ${lr}`);
    });

    it('rejects an unknown option name', () => {
      const call = () => make(kind, { lr: 0.1, momentun: 0.9 });
      expect(call).toThrow(TypeError);
      expect(call).toThrow(/momentun/);
    });

    it('refuses an invalid lr assignment and keeps the previous rate', () => {
      const opt = make(kind, { lr: 0.1 });
      for (const bad of [-1, 0, NaN, Infinity]) {
        expect(() => {
          opt.lr = bad;
        }).toThrow(/lr is/);
        expect(opt.lr).toBe(0.1);
      }
      opt.lr = 0.25;
      expect(opt.lr).toBe(0.25);
    });

    it('throws a RangeError when params and grads differ in length, leaving params unchanged', () => {
      const opt = make(kind, { lr: 0.1 });
      const params = Float64Array.from([1, 2, 3]);
      expect(() => opt.step(params, Float64Array.from([1, 1, 1, 1]))).toThrow(RangeError);
      expect(() => opt.step(params, Float64Array.from([1, 1]))).toThrow(RangeError);
      expect(Array.from(params)).toEqual([1, 2, 3]);
    });
  });

  it('rejects nesterov without momentum or with dampening', () => {
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow(RangeError);
    expect(() => sgd({ lr: 0.1, momentum: 0, nesterov: true })).toThrow(RangeError);
    expect(() => sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(
      RangeError,
    );
    expect(() => sgd({ lr: 0.1, momentum: 0.9, nesterov: true })).not.toThrow();
  });

  it('uses a learning rate changed between steps', () => {
    const opt = sgd({ lr: 0.1 });
    const params = Float64Array.from([1, -1]);
    opt.step(params, Float64Array.from([1, 2]));
    opt.lr = 0.5;
    opt.step(params, Float64Array.from([1, 2]));
    expect(params[0]).toBeCloseTo(1 - 0.1 - 0.5, 15);
    expect(params[1]).toBeCloseTo(-1 - 0.2 - 1, 15);
  });

  it('rejects a parameter array of another length than its state', () => {
    const opt = adam({ lr: 0.1 });
    opt.step(new Float64Array(4), Float64Array.from([1, 2, 3, 4]));
    expect(() => opt.step(new Float64Array(3), new Float64Array(3))).toThrow(RangeError);
  });
});

describe('optimizer reset', () => {
  /** Two steps from the golden start, then (after an optional reset) one step on a fresh copy. */
  function stepAfterTwo(c: OptimizerCase, reset: boolean): number[] {
    const { params, grads } = arrays('float64');
    const opt = make(c.optimizer, c.options);
    opt.step(params, grads[0]);
    opt.step(params, grads[1]);
    if (reset) opt.reset();
    const again = Float64Array.from(golden.params);
    opt.step(again, grads[0]);
    return Array.from(again);
  }

  for (const c of golden.optimizers) {
    it(`forgets all state after reset: ${c.name}`, () => {
      const fresh = Float64Array.from(golden.params);
      make(c.optimizer, c.options).step(fresh, Float64Array.from(golden.grads[0]));
      expect(stepAfterTwo(c, true)).toEqual(Array.from(fresh));
      // Without the reset, any optimizer that keeps state steps differently.
      const stateless = c.optimizer === 'sgd' && c.options.momentum === undefined;
      if (!stateless) expect(stepAfterTwo(c, false)).not.toEqual(Array.from(fresh));
    });
  }

  it('after reset, a stateful optimizer accepts parameters of a new length', () => {
    const opt = rmsprop({ lr: 0.1, momentum: 0.5 });
    opt.step(new Float64Array(4), Float64Array.from([1, 2, 3, 4]));
    opt.reset();
    const params = new Float64Array(2);
    opt.step(params, Float64Array.from([1, -1]));
    // First RMSprop step: v = 0.01·g², so p = −lr·g / (0.1·|g| + eps).
    expect(params[0]).toBeCloseTo(-0.1 / (0.1 + 1e-8), 12);
    expect(params[1]).toBeCloseTo(0.1 / (0.1 + 1e-8), 12);
  });
});
