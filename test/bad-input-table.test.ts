import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Model,
  Tensor,
  adam,
  argmax,
  crossEntropyLoss,
  fit,
  loadCheckpoint,
  mseLoss,
  saveCheckpoint,
  trainStep,
  type Optimizer,
} from '../src/index.js';

/** One row of the README's bad-input table: a call that must fail and change nothing. */
interface Row {
  error: typeof TypeError | typeof RangeError;
  message: RegExp;
  call: (model: Model, optimizer: Optimizer) => unknown;
}

const I = 2;
const good = () => ({
  input: new Tensor([2, 3, I]).map((_, i) => Math.sin(i)),
  target: new Tensor([2, 3, 1]),
});
const opts = (optimizer: Optimizer) => ({ loss: mseLoss(), optimizer });

// Keyed by the first column of the table in README.md ("Bad input").
const ROWS: Record<string, Row> = {
  'unknown option': {
    error: TypeError,
    message: /training options has an unknown option 'clipp' \(did you mean 'clip'\?\)/,
    call: (m, o) => trainStep(m, good(), { ...opts(o), clipp: { maxNorm: 1 } } as never),
  },
  'wrong type': {
    error: TypeError,
    message: /hiddenSize is "4", expected an integer >= 1/,
    call: () => new Model({ inputSize: 1, hiddenSize: '4' as unknown as number }),
  },
  'out of range': {
    error: TypeError,
    message: /seed is 1.7, expected an integer in \[0, 2\^32\)/,
    call: (m, o) =>
      fit(m, { inputs: good().input, targets: good().target }, { ...opts(o), seed: 1.7 }),
  },
  'wrong shape': {
    error: RangeError,
    message: /input has 3 features per step, the model expects 2/,
    call: (m, o) => trainStep(m, { ...good(), input: new Tensor([2, 3, 3]) }, opts(o)),
  },
  'not finite': {
    error: RangeError,
    message: /input has NaN at \[0, 1, 0\], expected finite numbers/,
    call: (m, o) =>
      trainStep(m, { ...good(), input: good().input.map((v, i) => (i === 2 ? NaN : v)) }, opts(o)),
  },
  'beyond float32': {
    error: RangeError,
    message: /input has 1e\+39 at \[0, 0, 0\], outside float32's range/,
    call: (m, o) =>
      trainStep(
        m,
        {
          ...good(),
          input: good()
            .input.clone('float64')
            .map((v, i) => (i === 0 ? 1e39 : v)),
        },
        opts(o),
      ),
  },
  ragged: {
    error: RangeError,
    message: /sequence 1 has 2 steps but sequence 0 has 3; pad ragged sequences/,
    call: (m, o) =>
      trainStep(
        m,
        {
          ...good(),
          input: [
            [
              [0, 0],
              [0, 0],
              [0, 0],
            ],
            [
              [0, 0],
              [0, 0],
            ],
          ],
        },
        opts(o),
      ),
  },
  lengths: {
    error: RangeError,
    message: /lengths\[1\] is 4, expected an integer in \[1, 3\]/,
    call: (m, o) => trainStep(m, { ...good(), lengths: [3, 4] }, opts(o)),
  },
  targets: {
    error: RangeError,
    message: /target class index 5 at \[0, 1\] is out of range: expected an integer in \[0, 1\)/,
    call: (m, o) =>
      trainStep(
        m,
        {
          ...good(),
          target: [
            [0, 5, 0],
            [0, 0, 0],
          ],
        },
        { loss: crossEntropyLoss(), optimizer: o },
      ),
  },
  'validation set': {
    error: RangeError,
    message: /^validation set: input has 3 features per step, the model expects 2$/,
    call: (m, o) =>
      fit(
        m,
        { inputs: good().input, targets: good().target },
        {
          ...opts(o),
          validation: { inputs: new Tensor([1, 3, 3]), targets: new Tensor([1, 3, 1]) },
        },
      ),
  },
  'state dict': {
    error: RangeError,
    message: /state dict entry head.bias has Infinity at 0, expected finite numbers/,
    call: (m) => {
      const dict = m.stateDict();
      dict['head.bias'].data[0] = Infinity;
      m.loadStateDict(dict);
    },
  },
  'model file': {
    error: RangeError,
    message: /^model file's options need \d+ parameters but the file holds \d+$/,
    call: (m) => {
      const j = m.toJSON();
      return Model.fromJSON(
        { ...j, options: { ...j.options, inputSize: 1e9 } },
        { maxParameters: 1e12 },
      );
    },
  },
  'optimizer state': {
    error: TypeError,
    message: /optimizer state is for "sgd", this optimizer is 'adam'/,
    call: (_, o) => o.loadStateDict({ ...o.stateDict(), name: 'sgd' }),
  },
  checkpoint: {
    error: RangeError,
    message: /safetensors header length is \d+ bytes, expected at most/,
    call: (m, o) => {
      const bytes = saveCheckpoint(m, o, { epoch: 1 });
      return loadCheckpoint(bytes.subarray(0, 40), o);
    },
  },
  'non-finite step': {
    error: RangeError,
    message: /training step undone: the update would make .* -?Infinity/,
    call: (m, o) => {
      o.lr = 1e60;
      try {
        return trainStep(m, good(), { ...opts(o), onNonFinite: 'throw' });
      } finally {
        o.lr = 0.01;
      }
    },
  },
  'damaged file': {
    error: RangeError,
    message: /safetensors data is damaged: its CRC-32 is [0-9a-f]{8}, the header says [0-9a-f]{8}/,
    call: (m, o) => {
      const bytes = saveCheckpoint(m, o, { epoch: 1 });
      bytes[bytes.length - 3] ^= 0x10;
      return loadCheckpoint(bytes, o);
    },
  },
  'forged buffer': {
    error: RangeError,
    message: /optimizer state buffer 'exp_avg_sq' has -1 at 0, expected numbers >= 0/,
    call: (_, o) => {
      const s = o.stateDict();
      const sq = Float64Array.from(s.state.exp_avg_sq);
      sq[0] = -1;
      o.loadStateDict({ ...s, state: { ...s.state, exp_avg_sq: sq } });
    },
  },
  'extra entry': {
    error: RangeError,
    message: /state dict has unexpected entries: __proto__/,
    call: (m) => {
      const dict = m.stateDict();
      Object.defineProperty(dict, '__proto__', { value: dict['head.bias'], enumerable: true });
      m.loadStateDict(dict);
    },
  },
  'too large': {
    error: RangeError,
    message: /batchSize is 1000000000, expected an integer in \[1, 65536\]/,
    call: (m) => m.createStream(1e9),
  },
  logits: {
    error: RangeError,
    message: /logits has 3 values, expected at least 10 after offset 0/,
    call: () => argmax([1, 2, 3], 0, 10),
  },
  'long user data': {
    error: TypeError,
    message: /unknown option 'x{100}… \(1000000 characters\)'/,
    call: () => new Model({ inputSize: 1, hiddenSize: 2, ['x'.repeat(1e6)]: 1 } as never),
  },
};

/** The first column of the README's bad-input table. */
function readmeRows(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('### Bad input')[1].split('\n## ')[0];
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| bad input') && !l.startsWith('| ---'))
    .map((l) => l.split('|')[1].trim());
}

describe("the README's bad-input table", () => {
  it('has a test for every row, and a row for every test', () => {
    expect(readmeRows().sort()).toEqual(Object.keys(ROWS).sort());
  });

  it.each(Object.keys(ROWS))('%s: a clear error, and nothing changed', (key) => {
    const row = ROWS[key];
    const model = new Model({ inputSize: I, hiddenSize: 3, outputSize: 1, seed: 2 });
    const optimizer = adam({ lr: 0.01 });
    trainStep(model, good(), opts(optimizer));
    const weights = model.params.values.slice();
    const state = optimizer.stateDict();
    expect(() => row.call(model, optimizer)).toThrow(row.error);
    expect(() => row.call(model, optimizer)).toThrow(row.message);
    expect(model.params.values).toEqual(weights);
    expect(optimizer.stateDict()).toEqual(state);
  });
});
