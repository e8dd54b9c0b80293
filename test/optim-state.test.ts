import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adagrad,
  adam,
  adamw,
  rmsprop,
  sgd,
  type Optimizer,
  type OptimizerState,
} from '../src/index.js';

// The torch.optim configurations of test/golden-optim (made by scripts/golden_optim.py).
interface Golden {
  params: number[];
  grads: number[][];
  optimizers: { name: string; optimizer: string; options: Record<string, unknown> }[];
}
const golden = JSON.parse(
  readFileSync(new URL('./golden-optim/optimizers.json', import.meta.url), 'utf8'),
) as Golden;

const FACTORIES: Record<string, (o: never) => Optimizer> = { sgd, adam, adamw, rmsprop, adagrad };
const make = (kind: string, options: Record<string, unknown>): Optimizer =>
  FACTORIES[kind](options as never);

/** A state through JSON, as a checkpoint file carries it. */
function viaJson(state: OptimizerState): OptimizerState {
  const plain = {
    ...state,
    state: Object.fromEntries(Object.entries(state.state).map(([k, v]) => [k, Array.from(v)])),
  };
  return JSON.parse(JSON.stringify(plain)) as OptimizerState;
}

describe('optimizer state dicts', () => {
  it.each(golden.optimizers.map((c) => [c.name, c] as const))(
    'resumes %s bit for bit from a state saved mid-run and sent through JSON',
    (_, c) => {
      const full = make(c.optimizer, c.options);
      const p = Float64Array.from(golden.params);
      const k = 2;
      let saved: OptimizerState | null = null;
      let pAtK = p.slice();
      golden.grads.forEach((g, i) => {
        if (i === k) {
          saved = viaJson(full.stateDict());
          pAtK = p.slice();
        }
        full.step(p, Float64Array.from(g));
      });
      const resumed = make(c.optimizer, c.options);
      resumed.loadStateDict(saved as unknown as OptimizerState);
      for (let i = k; i < golden.grads.length; i++)
        resumed.step(pAtK, Float64Array.from(golden.grads[i]));
      expect(pAtK).toEqual(p);
      expect(resumed.stateDict()).toEqual(full.stateDict());
    },
  );

  it("uses PyTorch's buffer names", () => {
    const names = (o: Optimizer): string[] => {
      o.step(new Float64Array(3), Float64Array.of(1, 2, 3));
      return Object.keys(o.stateDict().state).sort();
    };
    expect(names(adam())).toEqual(['exp_avg', 'exp_avg_sq']);
    expect(names(sgd({ lr: 1, momentum: 0.9 }))).toEqual(['momentum_buffer']);
    expect(names(sgd({ lr: 1 }))).toEqual([]);
    expect(names(adagrad())).toEqual(['sum']);
    expect(names(rmsprop({ centered: true, momentum: 0.5 }))).toEqual([
      'grad_avg',
      'momentum_buffer',
      'square_avg',
    ]);
    const s = adam({ lr: 0.5 });
    s.step(new Float64Array(2), Float64Array.of(1, 1));
    expect(s.stateDict()).toMatchObject({ name: 'adam', lr: 0.5, step: 1 });
  });

  const trained = (): Optimizer => {
    const o = adam({ lr: 0.1 });
    o.step(new Float64Array(2), Float64Array.of(1, -1));
    return o;
  };
  const good = (): OptimizerState => viaJson(trained().stateDict());

  it.each([
    ['not an object', () => 5, /optimizer state is 5, expected \{ name, lr, step, state \}/],
    [
      'another optimizer',
      () => ({ ...good(), name: 'sgd' }),
      /optimizer state is for "sgd", this optimizer is 'adam'/,
    ],
    ['an unknown key', () => ({ ...good(), stepp: 1 }), /unknown option 'stepp'/],
    [
      'a fractional step',
      () => ({ ...good(), step: 1.5 }),
      /step is 1.5, expected an integer >= 0/,
    ],
    ['a bad lr', () => ({ ...good(), lr: -1 }), /lr is -1/],
    [
      'a missing buffer',
      () => ({ ...good(), state: { exp_avg: [0, 0] } }),
      /missing the buffer 'exp_avg_sq'/,
    ],
    [
      'an extra buffer',
      () => ({ ...good(), state: { ...good().state, sum: [0, 0] } }),
      /unexpected buffer 'sum'/,
    ],
    [
      'buffers of two lengths',
      () => ({ ...good(), state: { exp_avg: [0, 0], exp_avg_sq: [0] } }),
      /has 1 values, the others have 2/,
    ],
    [
      'a NaN',
      () => ({ ...good(), state: { exp_avg: [0, NaN], exp_avg_sq: [0, 0] } }),
      /'exp_avg' has NaN at 1/,
    ],
    [
      'a string',
      () => ({ ...good(), state: { exp_avg: [0, '1'], exp_avg_sq: [0, 0] } }),
      /'exp_avg' has "1" at 1/,
    ],
    ['buffers at step 0', () => ({ ...good(), step: 0 }), /unexpected buffer 'exp_avg'/],
  ])('rejects a state with %s and keeps its own', (_, bad, pattern) => {
    const o = trained();
    const before = o.stateDict();
    expect(() => o.loadStateDict(bad() as OptimizerState)).toThrow(pattern);
    expect(o.stateDict()).toEqual(before);
  });

  it('sgd() without options says it needs a learning rate', () => {
    expect(() => (sgd as unknown as () => Optimizer)()).toThrow(
      /sgd options are undefined, expected \{ lr, \.\.\. \}/,
    );
    expect(() => sgd({} as never)).toThrow(/sgd needs a learning rate: sgd\(\{ lr: 0.01 \}\)/);
    expect(() => sgd({ lrr: 1 } as never)).toThrow(/unknown option 'lrr' \(did you mean 'lr'\?\)/);
  });
});
