import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Model, Rng, Tensor, adam, mseLoss, trainStep, type ForwardOptions } from '../src/index.js';
import { fromOnnx, toOnnx } from '../src/onnx/index.js';
import { PYTHON, feeds, maxDiff, pythonHas, runOnnx } from './helpers/onnx.js';

const script = fileURLToPath(new URL('../scripts/onnx_torch_export.py', import.meta.url));
const CASES = [
  'lstm_2layer_bi_linear',
  'gru_embedding_last',
  'rnn_relu_time_major',
  'lstm_3layer_given_state',
  'gru_2layer_bi_no_bias',
  'rnn_bi_last_linear',
];

interface Entry {
  shape: number[];
  data: number[];
}
interface CaseRecord {
  batch_first: boolean;
  input: Entry;
  output: Entry;
  h: Entry;
  h0?: Entry;
  c0?: Entry;
}

/** `[a, b, ...]` entries with the first two axes swapped. */
function swap01(e: Entry): Entry {
  const [a, b, ...rest] = e.shape;
  const inner = rest.reduce((x, y) => x * y, 1);
  const data = new Array<number>(e.data.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let k = 0; k < inner; k++)
        data[(j * a + i) * inner + k] = e.data[(i * b + j) * inner + k];
  return { shape: [b, a, ...rest], data };
}

const tensor = (e: Entry): Tensor => new Tensor(e.shape, Float32Array.from(e.data));

if (pythonHas('torch')) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnnkit-torch-onnx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('torch.onnx.export files read by fromOnnx', () => {
    it('are written by PyTorch', () => {
      const r = spawnSync(PYTHON, [script, dir], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(String(CASES.length));
    });

    const loaded = new Map<string, { model: Model; record: CaseRecord }>();
    it.each(CASES)("%s: rnnkit reproduces PyTorch's output and final state to 1e-5", (name) => {
      const model = fromOnnx(new Uint8Array(readFileSync(path.join(dir, `${name}.onnx`))));
      const record = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as CaseRecord;
      const batchFirst = (e: Entry) => (record.batch_first ? e : swap01(e));
      const options: ForwardOptions = {};
      if (record.h0) options.h0 = tensor(record.h0);
      if (record.c0) options.c0 = tensor(record.c0);
      const input = model.options.embedding
        ? Array.from({ length: record.input.shape[0] }, (_, b) =>
            record.input.data.slice(b * record.input.shape[1], (b + 1) * record.input.shape[1]),
          )
        : tensor(batchFirst(record.input));
      const r = model.forward(input, options);
      const want = model.options.head === 'last' ? record.output : batchFirst(record.output);
      expect(r.output.shape).toEqual(want.shape);
      expect(maxDiff(r.output.data, want.data)).toBeLessThan(1e-5);
      expect(maxDiff(r.h.data, record.h.data)).toBeLessThan(1e-5);
      loaded.set(name, { model, record });
    });

    it('fine-tunes a loaded model with trainStep, then its export runs in onnxruntime-node like rnnkit', async () => {
      const { model } = loaded.get('lstm_2layer_bi_linear') as { model: Model };
      const rng = new Rng(5);
      const x = new Tensor([4, 6, 3]);
      const y = new Tensor([4, 6, 2]);
      for (let i = 0; i < x.size; i++) x.data[i] = rng.uniform(-1, 1);
      for (let i = 0; i < y.size; i++) y.data[i] = Math.sin(i);
      const optimizer = adam({ lr: 0.02 });
      const losses: number[] = [];
      for (let s = 0; s < 5; s++)
        losses.push(trainStep(model, { input: x, target: y }, { loss: mseLoss(), optimizer }).loss);
      expect(losses[4]).toBeLessThan(losses[0]);
      const expected = model.forward(x);
      const got = await runOnnx(toOnnx(model), feeds({ x, ids: null, options: {} }));
      expect(maxDiff(got.output.data as Float32Array, expected.output.data)).toBeLessThan(1e-5);
      expect(maxDiff(got.h.data as Float32Array, expected.h.data)).toBeLessThan(1e-5);
      expect(maxDiff(got.c.data as Float32Array, (expected.c as Tensor).data)).toBeLessThan(1e-5);
    });
  });
} else {
  console.log(
    `torch.onnx.export tests not registered: ${PYTHON} cannot import torch (apt-get install python3-torch; RNNKIT_REQUIRE_TORCH=1 makes this an error)`,
  );
}
