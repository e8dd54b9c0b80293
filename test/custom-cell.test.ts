import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model, Rng, Tensor, gradCheck, mseLoss, type ModelOptions } from '../src/index.js';
import type { Buf } from '../src/kernels/memory.js';
import { registerCell } from '../src/recurrent/cells.js';
import type { CellSpec, Direction } from '../src/recurrent/direction.js';
import {
  carryInactive,
  gatherStepGrad,
  passInactive,
  projectInputs,
  zeroInactiveGates,
} from '../src/recurrent/steps.js';
import { isRealStep } from '../src/nn/padding.js';
import { sigmoid } from '../src/tensor/ops.js';
import { expectClose } from './helpers/compare.js';

/** The minimal gated unit's own buffers: one step's hidden products, whn of every step, the skip term. */
interface MguBuffers {
  readonly hidden: Buf;
  readonly whn: Buf;
  readonly skip: Buf;
}

/**
 * A minimal gated unit, two gate blocks f, n, written here from the registry's interface alone:
 * `f = σ(W_if x + b_if + W_hf h + b_hf)`, `n = tanh(W_in x + b_in + f⊙(W_hn h + b_hn))`,
 * `h' = (1−f)⊙h + f⊙n`. Backward: `dn = dh'⊙f⊙(1−n²)`, `df = (dh'⊙(n−h) + dn⊙whn)⊙f(1−f)`,
 * the hidden product's n block gets `dn⊙f`, and `dh'⊙(1−f)` skips the gates.
 */
const mguCell: CellSpec<MguBuffers> = {
  name: 'mgu',
  gates: 2,
  gateOrder: ['f', 'n'],
  cellState: false,
  hiddenApart: true,
  buffers: (alloc, T, B, H) => ({
    hidden: alloc(B * 2 * H),
    whn: alloc(T * B * H),
    skip: alloc(B * H),
  }),
  forward(d: Direction, own: MguBuffers): void {
    projectInputs(d, false);
    const { T, B, H, kernels: k } = d;
    const GH = 2 * H;
    for (let s = 0; s < T; s++) {
      const t = d.timeAt(s);
      const [prev, cur, row] = [d.stateBefore(t), d.stateAfter(t), t * B * GH];
      const hidden = own.hidden.a;
      for (let b = 0; b < B; b++)
        for (let j = 0; j < GH; j++) hidden[b * GH + j] = d.w.bhh >= 0 ? d.p.a[d.w.bhh + j] : 0;
      k.gemm(false, true, B, GH, H, d.hs, prev, H, d.p, d.w.whh, H, own.hidden, 0, GH, true);
      const [g, hp, hs, whn] = [d.gates.a, own.hidden.a, d.hs.a, own.whn.a];
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const [at, hat, u] = [row + b * GH + j, b * GH + j, b * H + j];
          const f = sigmoid(g[at] + hp[hat]);
          const n = Math.tanh(g[at + H] + f * hp[hat + H]);
          g[at] = f;
          g[at + H] = n;
          whn[t * B * H + u] = hp[hat + H];
          hs[cur + u] = (1 - f) * hs[prev + u] + f * n;
        }
      }
      carryInactive(d, t, d.hs, prev, cur);
    }
  },
  backward(d: Direction, own: MguBuffers): void {
    const { T, B, H, lengths, kernels: k } = d;
    const GH = 2 * H;
    for (let s = T - 1; s >= 0; s--) {
      const t = d.timeAt(s);
      const [prev, row] = [d.stateBefore(t), t * B * GH];
      gatherStepGrad(d, t);
      const [g, gh, hs, dh] = [d.gates.a, d.dGatesHidden.a, d.hs.a, d.dh.a];
      const [whn, skip] = [own.whn.a, own.skip.a];
      for (let b = 0; b < B; b++) {
        if (!isRealStep(lengths, b, t)) continue;
        for (let j = 0; j < H; j++) {
          const [at, u] = [row + b * GH + j, b * H + j];
          const [f, n, dhv] = [g[at], g[at + H], dh[u]];
          const dn = dhv * f * (1 - n * n);
          const df = (dhv * (n - hs[prev + u]) + dn * whn[t * B * H + u]) * f * (1 - f);
          g[at] = gh[at] = df;
          g[at + H] = dn;
          gh[at + H] = dn * f;
          skip[u] = dhv * (1 - f);
        }
      }
      zeroInactiveGates(d, t);
      // prettier-ignore
      k.gemm(false, false, B, H, GH, d.dGatesHidden, row, GH, d.p, d.w.whh, H, d.dhNext, 0, H, false);
      const dhNext = d.dhNext.a;
      for (let i = 0; i < B * H; i++) dhNext[i] += skip[i];
      passInactive(d, t, d.dhNext, d.dh);
    }
  },
};

registerCell(mguCell);

const options: ModelOptions = {
  cell: 'mgu',
  inputSize: 3,
  hiddenSize: 4,
  numLayers: 2,
  bidirectional: true,
  outputSize: 2,
  seed: 5,
};

function batch(dtype: 'float32' | 'float64') {
  const rng = new Rng(9);
  const input = new Tensor([3, 5, 3], dtype);
  const target = new Tensor([3, 5, 2], dtype);
  for (let i = 0; i < input.size; i++) input.data[i] = rng.normal();
  for (let i = 0; i < target.size; i++) target.data[i] = rng.normal();
  return { input, target, lengths: [5, 3, 1] };
}

describe('a cell registered from outside the library', () => {
  it('builds models with PyTorch-style parameters of two gate blocks', () => {
    const model = new Model(options);
    expect(model.params.get('rnn.weight_ih_l0')?.shape).toEqual([8, 3]);
    expect(model.params.get('rnn.weight_hh_l1_reverse')?.shape).toEqual([8, 4]);
    expect(model.hasCellState).toBe(false);
  });

  it('passes the finite-difference check on every parameter (float64, TypeScript kernels)', () => {
    const model = new Model({ ...options, dtype: 'float64' });
    const r = gradCheck(model, batch('float64'), { loss: mseLoss(), tolerance: 1e-6 });
    expect(r.entries.length).toBeGreaterThan(model.params.list.length);
    expect(r.passed, `largest error ${r.maxError}`).toBe(true);
  });

  it('trains on the wasm kernels (its TypeScript loop over the model memory) like float64', () => {
    const wasm = new Model({ ...options, backend: 'wasm' });
    expect(wasm.backend).toBe('wasm');
    const exact = new Model({ ...options, dtype: 'float64' });
    exact.loadStateDict(wasm.stateDict());
    for (const [m, dtype] of [
      [wasm, 'float32'],
      [exact, 'float64'],
    ] as const) {
      const b = batch(dtype);
      const { output } = m.forward(b.input, { lengths: b.lengths });
      m.zeroGrad();
      m.backward(mseLoss().compute(output, b.target).grad);
    }
    expectClose('gradients', wasm.params.grads, exact.params.grads, 2e-4, 'relativeAbove1');
  });

  it('is refused a second registration and a name that does not match its gates', () => {
    expect(() => registerCell(mguCell)).toThrow("a cell named 'mgu' is already registered");
    expect(() => registerCell({ ...mguCell, name: 'mgu2', gateOrder: ['f'] })).toThrow(TypeError);
    expect(() => new Model({ ...options, cell: 'mgu3' })).toThrow(
      /cell is "mgu3", expected one of 'rnn', 'lstm', 'gru', 'mgu'/,
    );
  });
});

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the cell registry keeps each cell in one place', () => {
  const src = new URL('../src/', import.meta.url).pathname;
  it('tests no cell by name outside its own file', () => {
    const found: string[] = [];
    // src/onnx/ maps the built-in cells to ONNX's own operators, a table of the file format.
    for (const file of sources(src).filter((f) => !f.includes('/onnx/'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/[!=]==\s*'(rnn|lstm|gru)'/g)) found.push(`${file}: ${m[0]}`);
    }
    expect(found).toEqual([]);
  });

  it('registers each built-in cell with one line', () => {
    const registry = readFileSync(join(src, 'recurrent', 'cells.ts'), 'utf8');
    const lines = registry.split('\n').filter((l) => /^ {2}\w+Cell as CellSpec,/.test(l));
    expect(lines.map((l) => l.trim().split(' ')[0])).toEqual(['rnnCell', 'lstmCell', 'gruCell']);
  });
});
