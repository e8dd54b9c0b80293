import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Model, type CellType, type InitialStateMode, type ModelOptions } from '../src/index.js';
import { fromOnnx, toOnnx } from '../src/onnx/index.js';
import {
  PYTHON,
  feeds,
  makeCall,
  maxDiff,
  pythonHas,
  randomizeStates,
  runOnnx,
} from './helpers/onnx.js';

const CELLS: CellType[] = ['rnn', 'lstm', 'gru'];
const MODES: InitialStateMode[] = ['zeros', 'learned', 'encoded', 'given'];
const HEAD_MODES = ['sequence', 'last'] as const;

interface Config {
  name: string;
  options: ModelOptions;
  lengths: boolean;
}

/** Every cell x initial-state mode x direction x lengths x head mode; layers, Linear, embedding, bias and activation cycle. */
function configs(): Config[] {
  const out: Config[] = [];
  let k = 0;
  for (const cell of CELLS)
    for (const initialState of MODES)
      for (const bidirectional of [false, true])
        for (const lengths of [false, true])
          for (const mode of HEAD_MODES) {
            const head =
              ((k >> 2) + (k >> 3)) % 2 === 0 ? { head: mode, outputSize: 2 } : { head: mode };
            const embedding = k % 3 === 1 ? { vocabSize: 7, dim: 3 } : undefined;
            const options: ModelOptions = {
              cell,
              inputSize: 3,
              hiddenSize: 4,
              numLayers: 1 + (k % 3),
              bidirectional,
              initialState,
              ...head,
              ...(embedding ? { embedding } : {}),
              ...(initialState === 'encoded' ? { contextSize: 2 } : {}),
              ...(cell === 'rnn' && k % 4 === 3 ? { nonlinearity: 'relu' as const } : {}),
              ...(k % 5 === 4 ? { bias: false } : {}),
              ...(!bidirectional && k % 2 === 1 ? { reverse: true } : {}),
              ...(cell === 'gru' && k % 3 === 0 ? { linearBeforeReset: false } : {}),
              seed: k,
            };
            const name = `${cell} ${initialState} ${bidirectional ? 'bi' : 'uni'} L${options.numLayers} ${head.head}${'outputSize' in head ? '+linear' : ''}${embedding ? ' embedding' : ''}${lengths ? ' lengths' : ''}${options.bias === false ? ' no-bias' : ''}${options.nonlinearity === 'relu' ? ' relu' : ''}${options.reverse ? ' reverse' : ''}${options.linearBeforeReset === false ? ' lbr0' : ''}`;
            out.push({ name, options, lengths });
            k++;
          }
  return out;
}

const dir = mkdtempSync(path.join(tmpdir(), 'rnnkit-onnx-'));
const written: string[] = [];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('toOnnx files in onnxruntime-node', () => {
  const all = configs();
  it('keeps an untrained learned state (all zeros) learned when read back', () => {
    const model = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 3, initialState: 'learned' });
    const back = fromOnnx(toOnnx(model));
    expect(back.options.initialState).toBe('learned');
    expect(Array.from(back.stateDict().h0.data)).toEqual([0, 0, 0]);
  });

  it('cover every cell, 1-3 layers, both directions, both head modes, embedding, every initial state and lengths', () => {
    const seen = (f: (c: Config) => unknown) => new Set(all.map(f)).size;
    expect(all.length).toBe(96);
    expect(seen((c) => c.options.numLayers)).toBe(3);
    expect(
      seen((c) => `${c.options.head} ${c.options.outputSize !== undefined} ${c.lengths}`),
    ).toBe(8);
    expect(seen((c) => `${c.options.cell} ${c.options.embedding !== undefined}`)).toBe(6);
  });

  it.each(all.map((c) => [c.name, c] as const))(
    '%s: outputs and final states equal rnnkit to 1e-5',
    async (_, c) => {
      const model = new Model(c.options);
      randomizeStates(model, 11);
      const B = 3;
      const T = 5;
      const call = makeCall(model, B, T, 7, c.lengths ? [5, 2, 4] : null);
      const expected = model.forward(call.ids ?? call.x, call.options);
      const bytes = toOnnx(model, { lengths: c.lengths });
      const file = path.join(dir, `${written.length}.onnx`);
      writeFileSync(file, bytes);
      written.push(file);
      const got = await runOnnx(bytes, feeds(call));
      expect(got.output.dims).toEqual(expected.output.shape);
      expect(maxDiff(got.output.data as Float32Array, expected.output.data)).toBeLessThan(1e-5);
      expect(maxDiff(got.h.data as Float32Array, expected.h.data)).toBeLessThan(1e-5);
      if (expected.c !== null)
        expect(maxDiff(got.c.data as Float32Array, expected.c.data)).toBeLessThan(1e-5);
      const back = fromOnnx(bytes);
      expect(back.toJSON().options).toEqual({ ...model.toJSON().options, seed: 0 });
      const want = model.stateDict();
      for (const [name, t] of Object.entries(back.stateDict()))
        expect(maxDiff(t.data, want[name].data)).toBe(0);
    },
  );
});

if (pythonHas('onnx')) {
  describe('onnx.checker', () => {
    it('passes every file toOnnx wrote above (full_check, with shape inference)', () => {
      expect(written.length).toBe(96);
      const script =
        'import onnx, sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint(len(sys.argv) - 1)';
      const r = spawnSync(PYTHON, ['-c', script, ...written], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(String(written.length));
    });
  });
} else {
  console.log(
    `onnx.checker test not registered: ${PYTHON} cannot import onnx (apt-get install python3-onnx; RNNKIT_REQUIRE_TORCH=1 makes this an error)`,
  );
}
