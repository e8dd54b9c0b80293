import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Model, Rng } from '../src/index.js';
import { fromOnnx, toOnnx } from '../src/onnx/index.js';
import { readFields } from '../src/onnx/protobuf.js';
import { randomizeStates } from './helpers/onnx.js';

/** Valid files to damage: toOnnx outputs of different shapes, and one of ONNX's node tests. */
function seeds(): Uint8Array[] {
  const lstm = new Model({
    cell: 'lstm',
    inputSize: 3,
    hiddenSize: 4,
    numLayers: 2,
    bidirectional: true,
    outputSize: 2,
    initialState: 'given',
  });
  const gru = new Model({
    cell: 'gru',
    inputSize: 3,
    hiddenSize: 3,
    embedding: { vocabSize: 5, dim: 3 },
    initialState: 'encoded',
    contextSize: 2,
    head: 'last',
    outputSize: 1,
  });
  const rnn = new Model({
    cell: 'rnn',
    inputSize: 2,
    hiddenSize: 3,
    initialState: 'learned',
    nonlinearity: 'relu',
  });
  randomizeStates(rnn, 1);
  const node = readFileSync(
    new URL('onnx-conformance/test_lstm_defaults/model.onnx', import.meta.url),
  );
  return [
    toOnnx(lstm, { lengths: true }),
    toOnnx(gru),
    toOnnx(rnn, { lengths: true }),
    new Uint8Array(node),
  ];
}

/** Byte offsets of every length prefix in a message tree (fields whose payload parses as a message are searched too). */
function lengthPrefixes(
  bytes: Uint8Array,
  base: number,
  out: Array<{ at: number; size: number }>,
  depth = 0,
): void {
  let fields;
  try {
    fields = [...readFields(bytes, 'seed')];
  } catch {
    return;
  }
  for (const f of fields) {
    if (f.wire !== 2) continue;
    const start = base + (f.bytes.byteOffset - bytes.byteOffset);
    let size = 1;
    for (let n = f.bytes.length; n >= 0x80; n = Math.floor(n / 128)) size++;
    out.push({ at: start - size, size });
    if (depth < 6 && f.bytes.length > 1) lengthPrefixes(f.bytes, start, out, depth + 1);
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
}

interface Outcome {
  error: Error | null;
  /** CPU milliseconds the load took. */
  ms: number;
  bytes: number;
}

function load(file: Uint8Array): Outcome {
  const before = process.memoryUsage();
  // CPU time, so time the shared machine gives to other processes does not count.
  const start = process.cpuUsage();
  let error: Error | null = null;
  try {
    fromOnnx(file, { limits: { maxParameters: 1_000_000 } }).dispose();
  } catch (e) {
    error = e as Error;
  }
  const cpu = process.cpuUsage(start);
  const after = process.memoryUsage();
  const grown = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  return { error, ms: (cpu.user + cpu.system) / 1000, bytes: grown };
}

/** An error rnnkit raised on purpose (not a crash of the reader itself). */
function expectClear(o: Outcome, what: string): void {
  expect(o.error, what).not.toBeNull();
  const e = o.error as Error;
  expect(e instanceof TypeError || e instanceof RangeError, `${what}: ${e}`).toBe(true);
  expect(e.message, what).not.toMatch(
    /Cannot read|is not a function|is not iterable|of undefined|of null|Invalid typed array|Maximum call stack/,
  );
  expect(o.ms, what).toBeLessThan(100);
  expect(o.bytes, what).toBeLessThan(50 * 1024 * 1024);
}

describe('fromOnnx on damaged files', () => {
  const files = seeds();
  const rng = new Rng(17);

  it('loads every undamaged seed', () => {
    for (const f of files.slice(0, 3)) expect(fromOnnx(f)).toBeInstanceOf(Model);
  });

  it('rejects 1000 truncated files and files declaring huge lengths, each with a clear error, under 100 ms and 50 MB', () => {
    let rejected = 0;
    for (let k = 0; k < 600; k++) {
      const f = files[k % files.length];
      const cut = k < files.length * 4 ? k % (f.length - 1) : rng.int(f.length - 1);
      expectClear(load(f.subarray(0, cut)), `seed ${k % files.length} cut at ${cut}`);
      rejected++;
    }
    for (let k = 0; rejected < 1000; k++) {
      const f = files[k % files.length];
      const prefixes: Array<{ at: number; size: number }> = [];
      lengthPrefixes(f, 0, prefixes);
      const p = prefixes[rng.int(prefixes.length)];
      const huge = varint(2 ** 31 + rng.int(2 ** 20) * 2 ** 20);
      const damaged = new Uint8Array([
        ...f.subarray(0, p.at),
        ...huge,
        ...f.subarray(p.at + p.size),
      ]);
      expectClear(
        load(damaged),
        `seed ${k % files.length}: length at byte ${p.at} set to a huge value`,
      );
      rejected++;
    }
    expect(rejected).toBe(1000);
  });

  it('either rejects a file with bits flipped with a clear error or loads a model, within the same bounds', () => {
    let rejected = 0;
    for (let k = 0; k < 500; k++) {
      const f = files[k % files.length].slice();
      for (let n = 1 + rng.int(3); n > 0; n--) f[rng.int(f.length)] ^= 1 << rng.int(8);
      const o = load(f);
      if (o.error === null) {
        expect(o.ms).toBeLessThan(100);
        continue;
      }
      expectClear(o, `flip ${k}`);
      rejected++;
    }
    expect(rejected).toBeGreaterThan(100);
  });

  it('rejects a tensor declaring 10^12 values before allocating, naming the limit', () => {
    const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 1 });
    const bytes = toOnnx(model);
    expect(() => fromOnnx(bytes, { limits: { maxParameters: 3 } })).toThrow(/limit|maxParameters/);
  });
});
