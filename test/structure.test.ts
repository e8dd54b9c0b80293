import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model, type CellType, type ModelOptions } from '../src/index.js';

const cells: CellType[] = ['rnn', 'lstm', 'gru'];
const modes = ['zeros', 'learned', 'encoded', 'given'] as const;

/** Runs the layer check on a made-up src/ tree; returns its exit code and output. */
function checkLayers(files: Record<string, string>): { code: number; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    try {
      const out = execFileSync('node', ['scripts/check-layers.mjs', root], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
      return { code: 0, out };
    } catch (err) {
      const e = err as { status: number; stderr: string };
      return { code: e.status, out: e.stderr };
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('layer check', () => {
  it('passes imports that point down', () => {
    const r = checkLayers({
      'index.ts': "export { b } from './nn/b.js';\n",
      'tensor/a.ts': 'export const a = 1;\n',
      'nn/b.ts': "import { a } from '../tensor/a.js';\nexport const b = a;\n",
    });
    expect(r.code).toBe(0);
  });

  it('fails on an import pointing up the layers', () => {
    const r = checkLayers({
      'tensor/a.ts': "import { b } from '../nn/b.js';\nexport const a = b;\n",
      'nn/b.ts': 'export const b = 1;\n',
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain('higher layer (tensor -> nn)');
  });

  it('fails on a file cycle inside one folder, type-only imports included', () => {
    const r = checkLayers({
      'model/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
      'model/b.ts': "import {\n  type A,\n} from './a.js';\nexport type B = A | 1;\n",
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain('file import cycle');
  });

  it('fails on a folder that is not in the layer order', () => {
    const r = checkLayers({ 'misc/a.ts': 'export const a = 1;\n' });
    expect(r.code).toBe(1);
    expect(r.out).toContain("folder 'misc'");
  });

  it('passes on the repository', () => {
    const out = execFileSync('node', ['scripts/check-layers.mjs'], { encoding: 'utf8' });
    expect(out).toContain('no cycles');
  });
});

describe('public surface', () => {
  it('toJSON().options builds the same model, for every cell and initial-state mode', () => {
    for (const cell of cells) {
      for (const initialState of modes) {
        const options: ModelOptions = {
          cell,
          inputSize: 3,
          hiddenSize: 4,
          outputSize: 2,
          initialState,
          seed: 5,
          ...(initialState === 'encoded' ? { contextSize: 3 } : {}),
        };
        const model = new Model(options);
        const again = new Model(model.toJSON().options);
        expect(again.options).toEqual(model.options);
        expect(again.summary()).toBe(model.summary());
        expect(Array.from(again.params.values)).toEqual(Array.from(model.params.values));
      }
    }
  });

  it('toJSON().options of a model without a head builds the same model', () => {
    const model = new Model({ cell: 'rnn', inputSize: 2, hiddenSize: 3, nonlinearity: 'relu' });
    const again = new Model(model.toJSON().options);
    expect(again.options).toEqual(model.options);
  });

  it('freezes the options and keeps the parameter arrays in place', () => {
    const model = new Model({ cell: 'gru', inputSize: 2, hiddenSize: 3 });
    expect(Object.isFrozen(model.options)).toBe(true);
    expect(() => {
      (model.options as { hiddenSize: number }).hiddenSize = 9;
    }).toThrow(TypeError);
    const values = model.params.values;
    expect(() => {
      // @ts-expect-error values cannot be replaced, only written element-wise
      model.params.values = new Float32Array(values.length);
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error grads cannot be replaced either
      model.params.grads = new Float32Array(values.length);
    }).toThrow(TypeError);
    expect(model.params.values).toBe(values);
    model.params.values[0] = 0.25;
    expect(model.stateDict()['rnn.weight_ih_l0'].data[0]).toBe(0.25);
  });

  it('does not expose the step-gradient trace or the head weights on the model', () => {
    const model = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 3, outputSize: 1 });
    expect('traceStepGradients' in model).toBe(false);
    expect('headWeights' in model).toBe(false);
  });
});
