import { describe, expect, it } from 'vitest';
import { Model, Rng, Tensor, gradCheck, mseLoss, type CellType } from '../src/index.js';
import { byBackend } from './helpers/backend.js';
import { expectClose } from './helpers/compare.js';

const cells: CellType[] = ['rnn', 'lstm', 'gru'];

function randomInput(B: number, T: number, I: number, dtype: 'float32' | 'float64') {
  const rng = new Rng(3);
  const x = new Tensor([B, T, I], dtype);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.normal();
  return x;
}

describe('a reverse-only model', () => {
  for (const [cell, backend] of byBackend(cells)) {
    it(`${cell} (${backend}) equals the backward half of a bidirectional model`, () => {
      const [B, T, I, H] = [3, 5, 2, 4];
      const base = { cell, inputSize: I, hiddenSize: H, seed: 2, backend };
      const bi = new Model({ ...base, bidirectional: true });
      const rev = new Model({ ...base, reverse: true });
      const dict = bi.stateDict();
      const mine: Record<string, Tensor> = {};
      for (const name of Object.keys(rev.stateDict())) mine[name] = dict[`${name}_reverse`];
      rev.loadStateDict(mine);
      const x = randomInput(B, T, I, 'float32');
      const lengths = [5, 3, 1];
      const a = bi.forward(x, { lengths });
      const b = rev.forward(x, { lengths });
      const backHalf = new Float32Array(B * T * H);
      for (let r = 0; r < B * T; r++)
        backHalf.set(a.output.data.subarray(r * 2 * H + H, (r + 1) * 2 * H), r * H);
      expectClose('outputs', b.output.data, backHalf, 1e-6);
      expectClose('final h', b.h.data, a.h.data.subarray(B * H), 1e-6);
      expectClose('predict', rev.predict(x).data, rev.forward(x).output.data, 1e-6);
    });
  }

  it('passes the finite-difference check on every parameter', () => {
    const model = new Model({
      cell: 'gru',
      inputSize: 2,
      hiddenSize: 3,
      numLayers: 2,
      reverse: true,
      outputSize: 2,
      dtype: 'float64',
      seed: 4,
    });
    const input = randomInput(2, 4, 2, 'float64');
    const target = randomInput(2, 4, 2, 'float64');
    const r = gradCheck(model, { input, target, lengths: [4, 2] }, { loss: mseLoss() });
    expect(r.passed, `largest error ${r.maxError}`).toBe(true);
  });

  it('cannot stream, cannot be bidirectional too, and round-trips through JSON', () => {
    const model = new Model({ inputSize: 1, hiddenSize: 2, reverse: true });
    expect(() => model.createStream()).toThrow(
      'a reverse model cannot run step by step: it needs the whole sequence',
    );
    expect(
      () => new Model({ inputSize: 1, hiddenSize: 2, reverse: true, bidirectional: true }),
    ).toThrow(TypeError);
    expect(Model.fromJSON(model.toJSON()).options.reverse).toBe(true);
    expect('reverse' in new Model({ inputSize: 1, hiddenSize: 2 }).toJSON().options).toBe(false);
    expect(model.summary()).toContain(', reverse');
  });
});
