import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model, type CellType, type ModelOptions } from '../src/index.js';

const cells: CellType[] = ['rnn', 'lstm', 'gru'];
const modes = ['zeros', 'learned', 'encoded', 'given'] as const;

const depcruise = join(process.cwd(), 'node_modules', '.bin', 'depcruise');
const config = join(process.cwd(), '.dependency-cruiser.cjs');

/** Runs the layer check (dependency-cruiser, as in `npm run lint`) on a made-up src/ tree. */
function checkLayers(files: Record<string, string>): { code: number; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    writeFileSync(
      join(root, 'tsconfig.json'),
      '{"compilerOptions":{"moduleResolution":"Bundler"}}',
    );
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, 'src', path)), { recursive: true });
      writeFileSync(join(root, 'src', path), text);
    }
    try {
      const out = execFileSync(depcruise, ['src', '--config', config], {
        cwd: root,
        encoding: 'utf8',
        stdio: 'pipe',
      });
      return { code: 0, out };
    } catch (err) {
      const e = err as { status: number; stdout: string };
      return { code: e.status, out: e.stdout };
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
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('layer-tensor: src/tensor/a.ts → src/nn/b.ts');
  });

  it('fails on a side-effect import from a lower layer into a higher one', () => {
    const r = checkLayers({
      'nn/a.ts': "import '../model/b.js';\nexport const a = 1;\n",
      'model/b.ts': 'export const b = 1;\n',
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('layer-nn: src/nn/a.ts → src/model/b.ts');
  });

  it('fails on an import between two folders of one layer', () => {
    const r = checkLayers({
      'loss/a.ts': "import type { B } from '../optim/b.js';\nexport type A = B;\n",
      'optim/b.ts': 'export type B = 1;\n',
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('layer-loss');
  });

  it('fails on a file cycle inside one folder, type-only imports included', () => {
    const r = checkLayers({
      'model/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
      'model/b.ts': "import {\n  type A,\n} from './a.js';\nexport type B = A | 1;\n",
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('no-circular');
  });

  it('fails on a folder or a top-level file that is not in the layer order', () => {
    const r = checkLayers({
      'misc/a.ts': 'export const a = 1;\n',
      'stray.ts': 'export const s = 1;\n',
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('layer-unknown-folder: src/misc/a.ts');
    expect(r.out).toContain('layer-unknown-file: src/stray.ts');
  });

  it('passes on the repository', () => {
    const out = execFileSync(depcruise, ['src', '--config', config], { encoding: 'utf8' });
    expect(out).toContain('no dependency violations found');
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
