import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  adam,
  mseLoss,
  trainStep,
  type CellType,
  type InitialStateMode,
  type ModelOptions,
} from '../src/index.js';
import { splitBounds } from '../src/parallel/batch.js';
import { parameterCount } from '../src/model/limits.js';

// Seeded and modest, so the suite stays fast and any failure reproduces.
const RUNS = { numRuns: 25, seed: 8 };

interface Case {
  options: ModelOptions;
  B: number;
  T: number;
  lengths: number[];
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    cell: fc.constantFrom<CellType>('rnn', 'lstm', 'gru'),
    I: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 4 }),
    L: fc.integer({ min: 1, max: 2 }),
    bidirectional: fc.boolean(),
    bias: fc.boolean(),
    head: fc.constantFrom('sequence' as const, 'last' as const),
    initialState: fc.constantFrom<InitialStateMode>('zeros', 'learned', 'encoded', 'given'),
    B: fc.integer({ min: 1, max: 4 }),
    T: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    cuts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
  })
  .map((r) => ({
    options: {
      cell: r.cell,
      inputSize: r.I,
      hiddenSize: r.H,
      numLayers: r.L,
      bidirectional: r.bidirectional,
      bias: r.bias,
      outputSize: 2,
      head: r.head,
      initialState: r.initialState,
      ...(r.initialState === 'encoded' ? { contextSize: 2 } : {}),
      dtype: 'float64' as const,
      seed: r.seed,
    },
    B: r.B,
    T: r.T,
    lengths: r.cuts.slice(0, r.B).map((c) => Math.max(1, r.T - c)),
    seed: r.seed,
  }));

/** The per-call inputs of a case: input, lengths and whatever its initial-state mode needs. */
function inputsOf(c: Case, model: Model) {
  const rng = new Rng(c.seed);
  const fill = (shape: number[]) => new Tensor(shape, 'float64').map(() => rng.uniform(-1, 1));
  const S = model.options.numLayers * model.directions;
  const H = model.options.hiddenSize;
  const input = fill([c.B, c.T, model.options.inputSize]);
  const extra: { h0?: Tensor; c0?: Tensor; context?: Tensor } = {};
  if (model.options.initialState === 'given') {
    extra.h0 = fill([S, c.B, H]);
    if (model.options.cell === 'lstm') extra.c0 = fill([S, c.B, H]);
  }
  if (model.options.initialState === 'encoded') extra.context = fill([c.B, 2]);
  return { input, extra };
}

/** Row `b` of a batch-first tensor, or column `b` of a `[S, B, H]` state. */
function row(t: Tensor, b: number): Tensor {
  const w = t.size / t.shape[0];
  return new Tensor([1, ...t.shape.slice(1)], t.data.slice(b * w, (b + 1) * w));
}
function column(t: Tensor, b: number): Tensor {
  const [S, B, H] = t.shape;
  const out = new Tensor([S, 1, H], 'float64');
  for (let s = 0; s < S; s++)
    out.data.set(t.data.subarray((s * B + b) * H, (s * B + b + 1) * H), s * H);
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= 1e-12);

describe('properties over random models', () => {
  it('a batch of B sequences gives what B separate runs give', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const model = new Model(c.options);
        const { input, extra } = inputsOf(c, model);
        const all = model.forward(input, { lengths: c.lengths, ...extra });
        for (let b = 0; b < c.B; b++) {
          const one = model.forward(row(input, b), {
            lengths: [c.lengths[b]],
            ...(extra.h0 ? { h0: column(extra.h0, b) } : {}),
            ...(extra.c0 ? { c0: column(extra.c0, b) } : {}),
            ...(extra.context ? { context: row(extra.context, b) } : {}),
          });
          if (!close(one.output.data, row(all.output, b).data)) return false;
          if (!close(one.h.data, column(all.h, b).data)) return false;
        }
        return true;
      }),
      RUNS,
    );
  });

  it('values at padded steps change no output, state or gradient', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: -1e3, max: 1e3, noNaN: true }), (c, junk) => {
        const run = (fillPadding: boolean) => {
          const model = new Model(c.options);
          const { input, extra } = inputsOf(c, model);
          if (fillPadding) {
            const I = model.options.inputSize;
            for (let b = 0; b < c.B; b++)
              input.data.fill(junk, (b * c.T + c.lengths[b]) * I, (b + 1) * c.T * I);
          }
          const r = model.forward(input, { lengths: c.lengths, ...extra });
          const g = model.backward(r.output.map((v) => v * 0.5 + 1));
          return { r, grads: model.params.grads, g };
        };
        const a = run(false);
        const b = run(true);
        return (
          close(a.r.output.data, b.r.output.data) &&
          close(a.r.h.data, b.r.h.data) &&
          close(a.grads, b.grads)
        );
      }),
      RUNS,
    );
  });

  it('state dict, JSON and safetensors round trips are exact; the same seed gives the same weights', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const model = new Model(c.options);
        const twin = new Model(c.options);
        expect(twin.params.values).toEqual(model.params.values);
        const viaJson = Model.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
        const viaSafetensors = Model.fromSafetensors(model.toSafetensors());
        const other = new Model({ ...c.options, seed: (c.seed + 1) % 2 ** 32 });
        other.loadStateDict(model.stateDict());
        for (const m of [viaJson, viaSafetensors, other]) {
          expect(m.params.values).toEqual(model.params.values);
        }
        expect(viaSafetensors.options).toEqual(model.options);
      }),
      RUNS,
    );
  });

  it('a rejected training step leaves parameters and optimizer state bit-identical', () => {
    const bad = fc.constantFrom('features', 'nan', 'lengths', 'target', 'option', 'mask', 'clip');
    fc.assert(
      fc.property(caseArb, bad, (c, kind) => {
        const model = new Model(c.options);
        const { input, extra } = inputsOf(c, model);
        const target = new Tensor(model.outputShape(c.B, c.T), 'float64');
        const optimizer = adam({ lr: 0.01 });
        const good = { input, target, lengths: c.lengths, ...extra };
        const options = { loss: mseLoss(), optimizer };
        trainStep(model, good, options);
        const weights = model.params.values.slice();
        const state = optimizer.stateDict();
        const I = model.options.inputSize;
        const batches: Record<string, () => unknown> = {
          features: () =>
            trainStep(model, { ...good, input: new Tensor([c.B, c.T, I + 1], 'float64') }, options),
          nan: () =>
            trainStep(model, { ...good, input: input.map((v, i) => (i === 0 ? NaN : v)) }, options),
          lengths: () =>
            trainStep(model, { ...good, lengths: c.lengths.map(() => c.T + 1) }, options),
          target: () =>
            trainStep(model, { ...good, target: new Tensor([c.B + 1, 2], 'float64') }, options),
          option: () => trainStep(model, good, { ...options, clipp: { maxNorm: 1 } } as never),
          mask: () => trainStep(model, { ...good, mask: [[2]] }, options),
          clip: () => trainStep(model, good, { ...options, clip: null as never }),
        };
        expect(batches[kind]).toThrow();
        expect(model.params.values).toEqual(weights);
        expect(optimizer.stateDict()).toEqual(state);
      }),
      RUNS,
    );
  });

  it('the parameter count computed from options alone matches the built model', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), fc.integer({ min: 1, max: 5 }), (c, head, L) => {
        const options = { ...c.options, numLayers: L };
        if (!head) delete options.outputSize;
        const model = new Model(options);
        expect(parameterCount(model.options)).toBe(model.parameterCount);
      }),
      RUNS,
    );
  });

  it('splitBounds makes at most `parts` chunks covering every row, none empty', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 16 }), (B, parts) => {
        const b = splitBounds(B, parts);
        expect(b[0]).toBe(0);
        expect(b[b.length - 1]).toBe(B);
        expect(b.length - 1).toBe(Math.min(B, parts));
        for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThan(b[i - 1]);
      }),
      RUNS,
    );
  });
});
