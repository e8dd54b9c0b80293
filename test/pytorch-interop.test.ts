import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { PYTHON, withTorch } from './helpers/torch.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Model,
  Rng,
  Tensor,
  evaluate,
  mseLoss,
  type ForwardOptions,
  type ModelOptions,
} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = path.join(root, 'examples', 'pytorch');
const moduleSource = readFileSync(path.join(dir, 'rnnkit_torch.py'), 'utf8');

describe('model files for PyTorch', () => {
  it('carry every option the PyTorch module reads', () => {
    const read = new Set([...moduleSource.matchAll(/\bo(?:ptions)?\["(\w+)"\]/g)].map((m) => m[1]));
    expect(read.size).toBeGreaterThan(8);
    const options = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 3 }).toJSON().options;
    for (const key of read) expect(Object.keys(options)).toContain(key);
  });
});

withTorch('PyTorch interop tests', registerInteropSuite);

interface Entry {
  shape: number[];
  data: number[];
}
const entry = (t: Tensor): Entry => ({ shape: [...t.shape], data: Array.from(t.data) });
const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const write = (file: string, value: unknown): void => writeFileSync(file, JSON.stringify(value));

function run(args: string[]): string {
  const r = spawnSync(PYTHON, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0)
    throw new Error(`${PYTHON} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

function maxDiff(a: Tensor, b: Entry): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

interface Case {
  name: string;
  options: Partial<ModelOptions>;
  lengths?: number[];
  context?: boolean;
}

const B = 5;
const T = 7;
const CASES: Case[] = [
  {
    name: 'lstm-bidirectional-learned',
    options: { cell: 'lstm', numLayers: 2, bidirectional: true, initialState: 'learned' },
  },
  {
    name: 'gru-encoded-last',
    options: { cell: 'gru', initialState: 'encoded', contextSize: 3, head: 'last' },
    context: true,
    lengths: [7, 3, 5, 1, 6],
  },
  {
    name: 'rnn-relu-nobias-padded',
    options: { cell: 'rnn', nonlinearity: 'relu', bias: false },
    lengths: [2, 7, 4, 7, 5],
  },
  { name: 'lstm-float32-no-head', options: { cell: 'lstm', dtype: 'float32' } },
];

function makeCase(c: Case, folder: string): { model: Model; forward: ForwardOptions; x: Tensor } {
  const options: ModelOptions = {
    seed: 11,
    dtype: 'float64',
    ...c.options,
    inputSize: 4,
    hiddenSize: 6,
  };
  if (c.name !== 'lstm-float32-no-head') options.outputSize = 2;
  const model = new Model(options);
  const dtype = model.options.dtype;
  const rng = new Rng(5);
  const x = new Tensor([B, T, 4], dtype);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.normal();
  const batch: Record<string, unknown> = { inputs: entry(x) };
  const forward: ForwardOptions = {};
  if (c.lengths !== undefined) {
    batch.lengths = c.lengths;
    forward.lengths = c.lengths;
  }
  if (c.context === true) {
    const ctx = new Tensor([B, 3], dtype);
    for (let i = 0; i < ctx.size; i++) ctx.data[i] = rng.normal();
    batch.contexts = entry(ctx);
    forward.context = ctx;
  }
  write(path.join(folder, 'model.json'), model.toJSON());
  write(path.join(folder, 'batch.json'), batch);
  return { model, forward, x };
}

/** Loads each case's model in PyTorch, predicts its batch, and writes the module back. */
const DRIVER = `
import json, sys, torch, rnnkit_torch
for folder in sys.argv[1:]:
    module = rnnkit_torch.load(folder + "/model.json")
    rnnkit_torch.main(["predict", folder + "/model.json", folder + "/batch.json", folder + "/torch-output.json"])
    rnnkit_torch.save(module, folder + "/back.json")
`;

function registerInteropSuite(): void {
  const work = mkdtempSync(path.join(tmpdir(), 'rnnkit-torch-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  describe('PyTorch interop (examples/pytorch)', () => {
    it('rnnkit -> PyTorch -> rnnkit: PyTorch computes the same outputs and the weights come back unchanged', () => {
      const made = CASES.map((c) => {
        const folder = path.join(work, c.name);
        mkdirSync(folder, { recursive: true });
        return { c, folder, ...makeCase(c, folder) };
      });
      run(['-c', DRIVER, ...made.map((m) => m.folder)]);
      for (const { c, folder, model, forward, x } of made) {
        const ours = model.forward(x, forward).output;
        const theirs = read(path.join(folder, 'torch-output.json')) as Entry;
        const tol = model.options.dtype === 'float64' ? 1e-9 : 1e-5;
        expect(maxDiff(ours, theirs), `${c.name}: PyTorch output`).toBeLessThanOrEqual(tol);
        const back = Model.fromJSON(read(path.join(folder, 'back.json')));
        expect(back.options).toEqual(model.options);
        const again = back.forward(x, forward).output;
        expect(maxDiff(again, entry(ours)), `${c.name}: after the round trip`).toBeLessThanOrEqual(
          1e-6,
        );
        expect(Array.from(back.params.values)).toEqual(Array.from(model.params.values));
      }
    }, 60_000);

    it('rnnkit -> PyTorch trained by torchrun on 2 processes -> rnnkit: same outputs, lower loss', () => {
      const model = new Model({
        cell: 'lstm',
        inputSize: 2,
        hiddenSize: 8,
        outputSize: 1,
        initialState: 'learned',
        dtype: 'float64',
        seed: 3,
      });
      const rng = new Rng(9);
      const N = 128;
      const inputs = new Tensor([N, 10, 2], 'float64');
      const targets = new Tensor([N, 10, 1], 'float64');
      for (let i = 0; i < inputs.size; i++) inputs.data[i] = rng.uniform(-1, 1);
      for (let n = 0; n < N; n++)
        for (let t = 1; t < 10; t++) targets.data[n * 10 + t] = inputs.data[(n * 10 + t - 1) * 2];
      const files = ['start', 'data', 'trained', 'outputs'].map((f) =>
        path.join(work, `${f}.json`),
      );
      const [start, data, trained, outputs] = files;
      write(start, model.toJSON());
      write(data, { inputs: entry(inputs), targets: entry(targets) });
      const log = run([
        '-m',
        'torch.distributed.run',
        '--standalone',
        '--nproc_per_node=2',
        '--redirects=2',
        '--tee=2',
        '--monitor_interval=0.2',
        'train_ddp.py',
        start,
        data,
        trained,
        '--epochs=8',
        '--batch-size=16',
        '--lr=0.02',
      ]);
      expect(log).toMatch(/epoch 8\/8 .*\(2 processes, 128 sequences\)/);
      run(['rnnkit_torch.py', 'predict', trained, data, outputs]);
      const back = Model.fromJSON(read(trained));
      expect(maxDiff(back.predict(inputs), read(outputs) as Entry)).toBeLessThanOrEqual(1e-6);
      const before = evaluate(model, { inputs, targets }, mseLoss());
      const after = evaluate(back, { inputs, targets }, mseLoss());
      expect(after).toBeLessThan(0.7 * before);
    }, 60_000);
  });
}
