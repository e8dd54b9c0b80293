import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, withTorch } from './helpers/torch.js';
import { Model, Tensor, type ModelOptions } from '../src/index.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
} from '../src/nn/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors buffer from a header object and `dataBytes` bytes of data. */
function handMade(header: unknown, dataBytes: number, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setUint32(0, headerLength ?? json.length, true);
  out.set(json, 8);
  return out;
}

describe('the safetensors codec', () => {
  it('round-trips float32 and float64 tensors exactly, with metadata', () => {
    const a = Tensor.from(
      [
        [1.5, -2],
        [3, 1e-30],
      ],
      'float32',
    );
    const b = Tensor.from([Math.PI, -1e300, 5e-324], 'float64');
    const empty = new Tensor([0, 3], 'float32');
    const bytes = encodeSafetensors({ a, b, empty }, { note: 'x' });
    expect(new DataView(bytes.buffer).getUint32(0, true) % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ note: 'x' });
    expect(tensors.a.dtype).toBe('float32');
    expect(tensors.a.shape).toEqual([2, 2]);
    expect(tensors.a.data).toEqual(a.data);
    expect(tensors.b.data).toEqual(b.data);
    expect(tensors.empty.shape).toEqual([0, 3]);
  });

  it('keeps a tensor named __proto__ as data, not as a prototype', () => {
    const bytes = encodeSafetensors(
      Object.fromEntries([['__proto__', Tensor.from([1], 'float32')]]),
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
  });

  const entry = (dtype: string, shape: unknown, offsets: unknown) => ({
    dtype,
    shape,
    data_offsets: offsets,
  });
  it.each([
    ['a short buffer', () => new Uint8Array(4), /has 4 bytes, expected at least 8/],
    ['a header longer than the file', () => handMade({}, 0, 1e6), /header length is 1000000 bytes/],
    [
      'a header over the limit',
      () => handMade({}, 0, 2 ** 31),
      /header length is 2147483648 bytes/,
    ],
    ['a header that is not JSON', () => handMade({}, 0, 1), /not valid UTF-8 JSON/],
    ['a header that is an array', () => handMade([], 0), /expected a JSON object/],
    [
      'an unsupported dtype',
      () => handMade({ w: entry('BF16', [2], [0, 4]) }, 4),
      /dtype "BF16", expected 'F32' or 'F64'/,
    ],
    ['a string size', () => handMade({ w: entry('F32', ['2'], [0, 8]) }, 8), /shape size "2"/],
    [
      'a shape nested deep',
      () => handMade({ w: entry('F32', [[[[2]]]], [0, 8]) }, 8),
      /shape size an array/,
    ],
    [
      'too many dimensions',
      () => handMade({ w: entry('F32', new Array(9).fill(1), [0, 4]) }, 4),
      /at most 8 sizes/,
    ],
    [
      'a size that disagrees with the bytes',
      () => handMade({ w: entry('F32', [1e9, 1e9], [0, 8]) }, 8),
      /has 8 bytes of data, its shape and dtype need 4000000000000000000/,
    ],
    [
      'reversed offsets',
      () => handMade({ w: entry('F32', [0], [8, 0]) }, 8),
      /data_offsets an array of length 2, expected \[begin, end\]/,
    ],
    [
      'overlapping entries',
      () => handMade({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, 12),
      /starts at byte 4 of the data, expected 8 \(overlap\)/,
    ],
    [
      'a gap',
      () => handMade({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, 12),
      /\(gap\)/,
    ],
    [
      'bytes past the last entry',
      () => handMade({ a: entry('F32', [1], [0, 4]) }, 12),
      /has 12 bytes, its entries cover 4/,
    ],
    [
      'an entry past the end',
      () => handMade({ a: entry('F32', [4], [0, 16]) }, 4),
      /has 4 bytes, its entries cover 16/,
    ],
    [
      'non-string metadata',
      () => handMade({ __metadata__: { a: 1 } }, 0),
      /__metadata__."a" is 1, expected a string/,
    ],
  ])('rejects %s before allocating', (_, make, pattern) => {
    expect(() => decodeSafetensors(make())).toThrow(pattern);
  });

  it('rejects more values than maxParameters, and accepts them when it is raised', () => {
    const bytes = encodeSafetensors({ w: new Tensor([10], 'float32') });
    expect(() => readSafetensorsHeader(bytes, { maxParameters: 9 })).toThrow(
      /declares 10 values, more than the limit of 9 \(maxParameters\)/,
    );
    expect(decodeSafetensors(bytes, { maxParameters: 10 }).tensors.w.size).toBe(10);
  });
});

const CONFIGS: [string, ModelOptions][] = [
  [
    'an LSTM (float32)',
    { cell: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, outputSize: 2, seed: 2 },
  ],
  [
    'a bidirectional relu RNN without bias (float64)',
    {
      cell: 'rnn',
      nonlinearity: 'relu',
      bias: false,
      bidirectional: true,
      inputSize: 2,
      hiddenSize: 3,
      outputSize: 1,
      dtype: 'float64',
      seed: 4,
    },
  ],
  ['a GRU (float32)', { cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 2, seed: 6 }],
];

describe('models as safetensors', () => {
  it.each(CONFIGS)('round-trips %s exactly', (_, options) => {
    const model = new Model(options);
    const copy = Model.fromSafetensors(model.toSafetensors());
    expect(copy.options).toEqual(model.options);
    expect(copy.params.values).toEqual(model.params.values);
  });
});

withTorch('safetensors tests against PyTorch', () => {
  describe('models as safetensors, with PyTorch', () => {
    it('exchanges every configuration with PyTorch both ways', () => {
      const models = CONFIGS.map(([, options]) => new Model(options));
      const files = models.map((model, i) => {
        const file = join(dir, `model${i}.safetensors`);
        writeFileSync(file, model.toSafetensors());
        return [file, `${file}.torch`];
      });
      const script = fileURLToPath(new URL('../scripts/safetensors_torch.py', import.meta.url));
      const printed = execFileSync(PYTHON, [script, ...files.flat()], {
        encoding: 'utf8',
      });
      const lines = printed.trim().split('\n');
      expect(lines).toHaveLength(models.length);
      models.forEach((model, m) => {
        const { input, output } = JSON.parse(lines[m]) as { input: number[]; output: number[] };
        // PyTorch ran the loaded weights: its output matches rnnkit's on the same input.
        const I = model.options.inputSize;
        const x = new Tensor([2, 3, I], Float64Array.from(input)).clone(model.options.dtype);
        const ours = model.predict(x).data;
        const tol = model.options.dtype === 'float64' ? 1e-12 : 1e-5;
        expect(ours.length).toBe(output.length);
        ours.forEach((v, i) => expect(Math.abs(v - output[i])).toBeLessThan(tol));
        // The file PyTorch wrote (every weight + 0.5) loads in rnnkit.
        const fromTorch = Model.fromSafetensors(new Uint8Array(readFileSync(files[m][1])));
        expect(fromTorch.options).toEqual(model.options);
        expect(fromTorch.params.values).toEqual(model.params.values.map((v) => v + 0.5));
      });
    });
  });
});
