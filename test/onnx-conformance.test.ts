import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, type ForwardOptions } from '../src/index.js';
import { fromOnnx } from '../src/onnx/index.js';
import { decodeModel, decodeTensor } from '../src/onnx/messages.js';
import { ElementBudget, readValues } from '../src/onnx/tensors.js';
import { maxDiff } from './helpers/onnx.js';

// ONNX's backend node tests for LSTM, GRU and RNN, written by scripts/onnx-conformance.py.
const root = fileURLToPath(new URL('onnx-conformance/', import.meta.url));

/** Cases rnnkit cannot run yet, with the error it gives. */
const EXPECTED_UNSUPPORTED: Record<string, RegExp> = {
  test_lstm_with_peepholes: /input P \(peephole weights\) is not supported/,
};

const CASES = [
  'test_gru_batchwise',
  'test_gru_defaults',
  'test_gru_seq_length',
  'test_gru_with_initial_bias',
  'test_lstm_batchwise',
  'test_lstm_defaults',
  'test_lstm_with_initial_bias',
  'test_lstm_with_peepholes',
  'test_rnn_seq_length',
  'test_simple_rnn_batchwise',
  'test_simple_rnn_defaults',
  'test_simple_rnn_with_initial_bias',
];

interface Case {
  bytes: Uint8Array;
  node: ReturnType<typeof decodeModel>['graph']['nodes'][number];
  inputs: Map<string, { dims: number[]; data: Float64Array }>;
  outputs: Map<string, { dims: number[]; data: Float64Array }>;
}

function readCase(name: string): Case {
  const dir = path.join(root, name);
  const bytes = new Uint8Array(readFileSync(path.join(dir, 'model.onnx')));
  const graph = decodeModel(bytes).graph;
  const read = (kind: 'input' | 'output', names: string[]) => {
    const out = new Map<string, { dims: number[]; data: Float64Array }>();
    names.forEach((n, i) => {
      const file = path.join(dir, 'test_data_set_0', `${kind}_${i}.pb`);
      const t = decodeTensor(new Uint8Array(readFileSync(file)), file);
      out.set(n, { dims: t.dims, data: readValues(t, file, new ElementBudget(1e6)) });
    });
    return out;
  };
  return {
    bytes,
    node: graph.nodes[0],
    inputs: read(
      'input',
      graph.inputs.map((v) => v.name),
    ),
    outputs: read(
      'output',
      graph.outputs.map((v) => v.name),
    ),
  };
}

/** `[a, b, c, ...]` with the first two axes swapped. */
function swap01(data: Float64Array, a: number, b: number): Float64Array {
  const inner = data.length / (a * b);
  const out = new Float64Array(data.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      out.set(data.subarray((i * b + j) * inner, (i * b + j + 1) * inner), (j * a + i) * inner);
  return out;
}

/** Runs one case through rnnkit: weights from the case's inputs, X and states in rnnkit's layout. */
function runCase(c: Case): Map<string, Float64Array> {
  const slot = (k: number) => c.node.inputs[k] ?? '';
  const weights: Record<string, { shape: number[]; data: Float64Array }> = {};
  for (const k of [1, 2, 3, 7]) {
    const v = c.inputs.get(slot(k));
    if (v) weights[slot(k)] = { shape: v.dims, data: v.data };
  }
  const model = fromOnnx(c.bytes, { weights });
  const batchMajor = c.node.attributes.some((a) => a.name === 'layout' && a.i === 1);
  const X = c.inputs.get(slot(0))!;
  const [B, T] = batchMajor ? [X.dims[0], X.dims[1]] : [X.dims[1], X.dims[0]];
  const x = new Tensor([B, T, X.dims[2]], batchMajor ? X.data : swap01(X.data, T, B));
  const options: ForwardOptions = {};
  const lens = c.inputs.get(slot(4));
  if (lens) options.lengths = Array.from(lens.data);
  for (const [k, key] of [
    [5, 'h0'],
    [6, 'c0'],
  ] as const) {
    const s = c.inputs.get(slot(k));
    if (!s) continue;
    const [D, H] = batchMajor ? [s.dims[1], s.dims[2]] : [s.dims[0], s.dims[2]];
    options[key] = new Tensor([D, B, H], batchMajor ? swap01(s.data, B, D) : s.data);
  }
  const r = model.forward(x, options);
  const D = model.directions;
  const H = model.options.hiddenSize;
  // rnnkit's output [B, T, D*H] to ONNX's Y: [T, D, B, H], or [B, T, D, H] with layout 1.
  const Y = new Float64Array(B * T * D * H);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let d = 0; d < D; d++)
        for (let j = 0; j < H; j++) {
          const at = batchMajor ? ((b * T + t) * D + d) * H + j : ((t * D + d) * B + b) * H + j;
          Y[at] = r.output.data[(b * T + t) * D * H + d * H + j];
        }
  const state = (s: Tensor) =>
    batchMajor ? swap01(Float64Array.from(s.data), D, B) : Float64Array.from(s.data);
  const out = new Map<string, Float64Array>([
    [c.node.outputs[0] ?? '', Y],
    [c.node.outputs[1] ?? '', state(r.h)],
  ]);
  if (r.c) out.set(c.node.outputs[2] ?? '', state(r.c));
  return out;
}

describe("ONNX's backend node tests (onnx 1.12) for LSTM, GRU and RNN", () => {
  it('are all here: 12 cases', () => {
    expect(existsSync(path.join(root, 'NOTICE'))).toBe(true);
    const found = readdirSync(root)
      .filter((n) => n.startsWith('test_'))
      .sort();
    expect(found).toEqual(CASES);
  });

  const supported = CASES.filter((n) => !(n in EXPECTED_UNSUPPORTED));
  it.each(supported)('%s: rnnkit matches the expected outputs', (name) => {
    const c = readCase(name);
    const got = runCase(c);
    expect(c.outputs.size).toBeGreaterThan(0);
    for (const [output, want] of c.outputs) {
      const mine = got.get(output);
      expect(mine, output).toBeDefined();
      expect(maxDiff(mine!, want.data)).toBeLessThan(1e-5);
    }
  });

  it.each(Object.entries(EXPECTED_UNSUPPORTED))(
    '%s: rejected with a clear error for now',
    (name, error) => {
      expect(() => runCase(readCase(name))).toThrow(error);
    },
  );
});
