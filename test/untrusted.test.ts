import { describe, expect, it } from 'vitest';
import { Model, encodeSafetensors, decodeSafetensors } from '../src/index.js';

const small = (): Model =>
  new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 1, outputSize: 1, seed: 1 });

/** A small model's JSON with some options replaced. */
function jsonWith(options: Record<string, unknown>): Record<string, unknown> {
  const j = small().toJSON() as unknown as Record<string, unknown>;
  return { ...j, options: { ...(j.options as object), ...options } };
}

/** A small model's safetensors bytes with some options replaced in the metadata. */
function safetensorsWith(options: Record<string, unknown>): Uint8Array {
  const model = small();
  const { tensors } = decodeSafetensors(model.toSafetensors());
  return encodeSafetensors(tensors, {
    format: 'rnnkit-model/1',
    options: JSON.stringify({ ...model.options, ...options }),
  });
}

/**
 * Runs `load`, which must throw `pattern`, and checks it allocated almost nothing: typed-array
 * memory grows by less than 4 MB (a model of the declared size would need gigabytes).
 */
function rejectsCheaply(load: () => unknown, pattern: RegExp): void {
  const before = process.memoryUsage().arrayBuffers;
  let error: unknown = null;
  try {
    load();
  } catch (err) {
    error = err;
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  expect(error).toBeInstanceOf(RangeError);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message.length).toBeLessThan(200);
  expect(grown).toBeLessThan(4 * 2 ** 20);
}

const HUGE: [string, Record<string, unknown>][] = [
  ['inputSize 1e9', { inputSize: 1e9 }],
  ['hiddenSize 1e9', { hiddenSize: 1e9 }],
  ['outputSize 1e9', { outputSize: 1e9 }],
  ['contextSize 1e9', { initialState: 'encoded', contextSize: 1e9 }],
  ['numLayers 1e7', { numLayers: 1e7 }],
  ['numLayers 1e5', { numLayers: 1e5 }],
];

describe('untrusted model files', () => {
  it('are under 1 KB in these tests', () => {
    expect(JSON.stringify(jsonWith({ numLayers: 1e7 })).length).toBeLessThan(1024);
    expect(safetensorsWith({ numLayers: 1e7 }).length).toBeLessThan(1024);
  });

  it.each(HUGE)('JSON declaring %s is rejected before anything is allocated', (_, options) => {
    rejectsCheaply(
      () => Model.fromJSON(jsonWith(options)),
      /model file's options need \d+(e\+\d+)? parameters(, more than the limit| but the file holds 18)/,
    );
  });

  it.each(HUGE)(
    'safetensors declaring %s is rejected before anything is allocated',
    (_, options) => {
      rejectsCheaply(
        () => Model.fromSafetensors(safetensorsWith(options)),
        /model file's options need \d+(e\+\d+)? parameters/,
      );
    },
  );

  it('rejects options that need more parameters than the data holds, within the limit', () => {
    expect(() => Model.fromJSON(jsonWith({ hiddenSize: 2 }))).toThrow(
      /^model file's options need 43 parameters but the file holds 18$/,
    );
  });

  it('applies an overridable limit on parameters per file', () => {
    const j = small().toJSON();
    expect(() => Model.fromJSON(j, { maxParameters: 17 })).toThrow(
      /need 18 parameters, more than the limit of 17 \(limits.maxParameters\)/,
    );
    expect(Model.fromJSON(j, { maxParameters: 18 }).parameterCount).toBe(18);
    expect(() => Model.fromJSON(j, { maxParameters: 0 })).toThrow(/limits.maxParameters is 0/);
  });

  it('rejects invalid options with the option named', () => {
    expect(() => Model.fromJSON(jsonWith({ cell: 'tcn' }))).toThrow(/cell is "tcn"/);
    expect(() => Model.fromJSON(jsonWith({ hiddenSize: '4' }))).toThrow(/hiddenSize is "4"/);
    expect(() => Model.fromJSON(jsonWith({ hiddensize: 4 }))).toThrow(
      /unknown option 'hiddensize'/,
    );
  });
});

describe('model options too large to hold', () => {
  it.each([
    [
      { inputSize: 1, hiddenSize: 1e9 },
      /need 1000000003000000000 parameters, more than one typed array can hold/,
    ],
    [
      { inputSize: 1e9, hiddenSize: 8 },
      /need 8000000080 parameters, more than one typed array can hold/,
    ],
  ])('%o gets a clear RangeError, not "Invalid typed array length"', (options, pattern) => {
    expect(() => new Model(options)).toThrow(pattern);
  });
});
