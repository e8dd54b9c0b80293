import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Model,
  Tensor,
  getBackend,
  mseLoss,
  onBackendNotice,
  setBackend,
  sgd,
  trainStep,
  type BackendChoice,
  type CellType,
} from '../src/index.js';
import { createKernels } from '../src/kernels/backend.js';
import { decodeKernels, wasmVariant } from '../src/kernels/wasm.js';
import { relaxedKernelsBase64 } from '../src/kernels/wasm-bytes-relaxed.js';
import { kernelsBase64 } from '../src/kernels/wasm-bytes-simd.js';
import { EXPORT_NAMES } from '../src/kernels/wasm-exports.js';
import { withBackend } from './helpers/backend.js';
import { maxError } from './helpers/compare.js';
import { uniformF32 } from './helpers/wasm.js';

describe('backend switch', () => {
  afterEach(() => setBackend('auto'));

  it("picks wasm by default on Node ('auto')", () => {
    setBackend('auto');
    expect(getBackend()).toBe('wasm');
    expect(new Model({ inputSize: 1, hiddenSize: 2 }).backend).toBe('wasm');
  });

  it('gives each wasm model a WebAssembly memory of its own', () => {
    const a = withBackend('wasm', () => new Model({ inputSize: 2, hiddenSize: 3 }));
    const b = withBackend('wasm', () => new Model({ inputSize: 2, hiddenSize: 3 }));
    expect(a.params.values.buffer).not.toBe(b.params.values.buffer);
    expect(a.params.values.buffer.byteLength).toBeGreaterThanOrEqual(65536); // pages, not the heap
  });

  it('decodes the kernels text: base64 pieces joined by dots, one per function body', () => {
    expect(Array.from(decodeKernels('AAE=.AgME.BQ=='))).toEqual([0, 1, 2, 3, 4, 5]);
    const pieces = kernelsBase64.split('.');
    expect(pieces.length).toBeGreaterThan(EXPORT_NAMES.length); // a piece per function at least
    const bytes = decodeKernels(kernelsBase64);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]); // "\0asm"
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it('runs the relaxed-SIMD build exactly where it validates, else the SIMD one', () => {
    const bytes = decodeKernels(relaxedKernelsBase64);
    expect(wasmVariant()).toBe(WebAssembly.validate(bytes) ? 'relaxed-simd' : 'simd');
    // CI runs the kernel suites again under --experimental-wasm-relaxed-simd and says so here.
    const expected = process.env.RNNKIT_EXPECT_WASM_VARIANT;
    if (expected !== undefined) expect(wasmVariant()).toBe(expected);
  });

  it('reports the chosen backend', () => {
    setBackend('js');
    expect(getBackend()).toBe('js');
    setBackend('wasm');
    expect(getBackend()).toBe('wasm');
  });

  it('rejects an unknown backend with a TypeError and keeps the current one', () => {
    setBackend('js');
    expect(() => setBackend('gpu' as BackendChoice)).toThrow(
      "backend must be 'auto', 'wasm' or 'js', got 'gpu'",
    );
    expect(getBackend()).toBe('js');
    expect(() => new Model({ inputSize: 1, hiddenSize: 1, backend: 'gpu' as 'js' })).toThrow(
      "backend must be 'auto', 'wasm' or 'js', got 'gpu'",
    );
  });

  it('reads RNNKIT_BACKEND as the starting choice', async () => {
    vi.stubEnv('RNNKIT_BACKEND', 'js');
    vi.resetModules();
    const fresh = await import('../src/kernels/backend.js');
    expect(fresh.getBackend()).toBe('js');
    vi.stubEnv('RNNKIT_BACKEND', 'wasm');
    vi.resetModules();
    expect((await import('../src/kernels/backend.js')).getBackend()).toBe('wasm');
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('binds a model to the backend of its construction; setBackend changes only new models', () => {
    const options = { cell: 'lstm' as const, inputSize: 3, hiddenSize: 5, seed: 1 };
    const onWasm = withBackend('wasm', () => new Model(options));
    const onJs = withBackend('js', () => new Model(options));
    expect(onWasm.backend).toBe('wasm');
    expect(onJs.backend).toBe('js');
    setBackend('js');
    const x = Tensor.from([[[1, 2, 3]]]);
    onWasm.forward(x);
    expect(onWasm.backend).toBe('wasm');
    expect(onWasm.params.values.buffer.byteLength).toBeGreaterThanOrEqual(65536);
    expect(new Model(options).backend).toBe('js');
    const f64 = withBackend('wasm', () => new Model({ ...options, dtype: 'float64' }));
    expect(f64.params.values).toBeInstanceOf(Float64Array);
    expect(f64.backend).toBe('js');
  });

  it('takes the backend as a model option over the global choice', () => {
    setBackend('js');
    expect(new Model({ inputSize: 1, hiddenSize: 2, backend: 'wasm' }).backend).toBe('wasm');
    setBackend('wasm');
    expect(new Model({ inputSize: 1, hiddenSize: 2, backend: 'js' }).backend).toBe('js');
    const m = new Model({ inputSize: 1, hiddenSize: 2, backend: 'js' });
    expect('backend' in m.toJSON().options).toBe(false);
  });

  it('hands out copies, never views into the kernels memory', () => {
    const model = withBackend(
      'wasm',
      () => new Model({ cell: 'gru', inputSize: 2, hiddenSize: 4, outputSize: 3, seed: 2 }),
    );
    const mine = model.params.values.buffer;
    const x = Tensor.from([[[1, 2]], [[3, 4]]]);
    const r = model.forward(x);
    expect(r.output.data.buffer).not.toBe(mine);
    expect(r.h.data.buffer).not.toBe(mine);
    expect(model.predict(x).data.buffer).not.toBe(mine);
    const back = model.backward(Tensor.from([[[1, 1, 1]], [[1, 1, 1]]]));
    expect(back.input!.data.buffer).not.toBe(mine);
    for (const t of Object.values(model.stateDict())) expect(t.data.buffer).not.toBe(mine);
  });
});

describe('where the WebAssembly kernels cannot run', () => {
  afterEach(() => {
    vi.doUnmock('../src/kernels/wasm.js');
    vi.resetModules();
  });

  it("runs on the TypeScript kernels, says 'js', and sends one notice through the hook", async () => {
    vi.resetModules();
    vi.doMock('../src/kernels/wasm.js', async (load) => ({
      ...(await load<typeof import('../src/kernels/wasm.js')>()),
      instantiateKernels: () => null,
      wasmCompiles: () => false,
      wasmFailure: () => 'the module does not validate (no SIMD?)',
    }));
    const fresh = await import('../src/kernels/backend.js');
    const notices: string[] = [];
    fresh.onBackendNotice((m) => notices.push(m));
    fresh.setBackend('wasm');
    expect(fresh.getBackend()).toBe('js');
    expect(fresh.createKernels('float32').backend).toBe('js');
    expect(fresh.createKernels('float32').backend).toBe('js');
    expect(notices).toEqual([
      'the module does not validate (no SIMD?); running on the TypeScript kernels',
    ]);
  });

  it('rejects a notice hook that is not a function', () => {
    expect(() => onBackendNotice('log' as unknown as () => void)).toThrow(TypeError);
  });

  it('makes float64 kernels on the TypeScript backend without a notice', () => {
    expect(createKernels('float64', 'wasm').backend).toBe('js');
  });
});

type Case = { cell: CellType; B: number; T: number; I: number; H: number; extra?: object };
const CASES: Case[] = [
  { cell: 'rnn', B: 3, T: 7, I: 5, H: 13 },
  { cell: 'rnn', B: 1, T: 1, I: 1, H: 1, extra: { nonlinearity: 'relu' } },
  { cell: 'lstm', B: 5, T: 6, I: 3, H: 9, extra: { numLayers: 2, bidirectional: true } },
  { cell: 'lstm', B: 1, T: 9, I: 4, H: 17 },
  { cell: 'gru', B: 6, T: 5, I: 7, H: 11, extra: { bidirectional: true } },
  { cell: 'gru', B: 2, T: 1, I: 2, H: 3, extra: { bias: false } },
  // T above the 32-step chunks in which the wasm backward loop sums the weight gradients.
  { cell: 'lstm', B: 3, T: 70, I: 3, H: 5, extra: { bidirectional: true } },
  { cell: 'gru', B: 2, T: 40, I: 2, H: 4, extra: { bidirectional: true } },
];

describe('the wasm backend trains like the TypeScript kernels', () => {
  for (const c of CASES) {
    it(`${c.cell} B=${c.B} T=${c.T} I=${c.I} H=${c.H} ${JSON.stringify(c.extra ?? {})}`, () => {
      const options = {
        cell: c.cell,
        inputSize: c.I,
        hiddenSize: c.H,
        outputSize: 2,
        seed: 3,
        ...c.extra,
      };
      const input = new Tensor([c.B, c.T, c.I], uniformF32(4, c.B * c.T * c.I));
      const target = new Tensor([c.B, c.T, 2], uniformF32(5, c.B * c.T * 2));
      const lengths = Array.from({ length: c.B }, (_, b) => Math.max(1, c.T - b));
      const run = (backend: 'js' | 'wasm') =>
        withBackend(backend, () => {
          const model = new Model(options);
          const losses: number[] = [];
          for (let i = 0; i < 3; i++) {
            const batch = { input, target, ...(i === 2 ? { lengths } : {}) };
            const r = trainStep(model, batch, { loss: mseLoss(), optimizer: sgd({ lr: 0.1 }) });
            losses.push(r.loss);
          }
          if (model.options.bidirectional) return { losses, values: model.params.values.slice() };
          const stream = model.createStream(c.B);
          const step = stream.step(input.data.subarray(0, c.B * c.I)).slice();
          return { losses, values: model.params.values.slice(), step };
        });
      const js = run('js');
      const wasm = run('wasm');
      expect(maxError(wasm.losses, js.losses, 'relative')).toBeLessThan(1e-4);
      expect(maxError(wasm.values, js.values, 'relative')).toBeLessThan(1e-4);
      if (js.step) expect(maxError(wasm.step!, js.step, 'relative')).toBeLessThan(1e-4);
    });
  }
});
