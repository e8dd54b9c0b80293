import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  Model,
  adagrad,
  adam,
  adamw,
  bceWithLogitsLoss,
  rmsprop,
  crossEntropyLoss,
  getBackend,
  mseLoss,
  sgd,
  trainStep,
  trainTruncated,
  type CellType,
  type ClipOptions,
  type InitialStateMode,
  type DType,
  type Loss,
  type Optimizer,
} from '../src/index.js';
import { loadCases, toTensor, type GoldenTensor } from './helpers/golden.js';
import { expectClose } from './helpers/compare.js';
import { byBackend, expectBoundTo, useBackend } from './helpers/backend.js';

// RNNKIT_GOLDEN_DIR replaces the bundled cases: the shared PyTorch set and the extra set made by
// scripts/golden_extra.py.
const dirs = process.env.RNNKIT_GOLDEN_DIR
  ? [process.env.RNNKIT_GOLDEN_DIR]
  : ['./golden', './golden-extra'].map((d) => fileURLToPath(new URL(d, import.meta.url)));
const cases = dirs.flatMap((dir) => loadCases(dir));
const TOL: Record<DType, number> = { float64: 1e-9, float32: 1e-4 };
const SUPPORTED: readonly string[] = ['rnn', 'lstm', 'gru'];

interface GoldenConfig {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  nonlinearity?: 'tanh' | 'relu';
  bias: boolean;
  bidirectional: boolean;
}

function stackOptions(cell: CellType, c: GoldenConfig) {
  return {
    cell,
    inputSize: c.inputSize,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    bias: c.bias,
    bidirectional: c.bidirectional,
    ...(cell === 'rnn' ? { nonlinearity: c.nonlinearity ?? 'tanh' } : {}),
  };
}

/** Asserts `got` matches `expected` to `tol` relative to the tensor's largest entry (or the scalar's size). */
function expectGolden(
  what: string,
  got: ArrayLike<number> | number,
  expected: GoldenTensor | number,
  tol: number,
): void {
  expectClose(what, got, typeof expected === 'number' ? expected : expected.data, tol, 'relative');
}

describe.each(byBackend(['float64', 'float32'] as const))(
  'golden cases in %s, %s backend',
  (dtype, backend) => {
    useBackend(backend);
    const tol = TOL[dtype];
    it('found golden cases to run', () => {
      expect(cases.length).toBeGreaterThan(0);
    });

    for (const { file, json } of cases) {
      const cell = json.cell as CellType;
      if (!SUPPORTED.includes(cell)) {
        it(`knows the cell of ${file}`, () => {
          throw new Error(`${file} has cell ${String(json.cell)}, expected one of ${SUPPORTED}`);
        });
      } else if (json.format === 'rnn-golden/1')
        it(`forward and backward: ${file}`, () => runForwardCase(json, dtype, tol));
      else if (json.format === 'rnn-train-golden/1')
        it(`training: ${file}`, () => runTrainCase(json, dtype, tol));
      else {
        it(`knows the format of ${file}`, () => {
          throw new Error(`${file} has format ${String(json.format)}, expected a known one`);
        });
      }
    }
  },
);

function runForwardCase(c: Record<string, unknown>, dtype: DType, tol: number): void {
  const cell = c.cell as CellType;
  const cfg = c.config as GoldenConfig;
  const h0 = c.h0 as GoldenTensor | null;
  const c0 = c.c0 as GoldenTensor | null;
  const model = new Model({
    ...stackOptions(cell, cfg),
    dtype,
    initialState: h0 ? 'given' : 'zeros',
  });
  expectBoundTo(model, getBackend());
  const params = c.params as Record<string, GoldenTensor>;
  model.loadStateDict(Object.fromEntries(Object.entries(params).map(([k, v]) => [`rnn.${k}`, v])));

  const result = model.forward(toTensor(c.input as GoldenTensor, dtype), {
    ...(h0 ? { h0: toTensor(h0, dtype) } : {}),
    ...(c0 ? { c0: toTensor(c0, dtype) } : {}),
  });
  expectGolden('output', result.output.data, c.output as GoldenTensor, tol);
  expectGolden('hn', result.h.data, c.hn as GoldenTensor, tol);
  if (c.cn)
    expectGolden('cn', (result.c as { data: ArrayLike<number> }).data, c.cn as GoldenTensor, tol);

  const gradOutput = toTensor(c.gradOutput as GoldenTensor, dtype);
  const gradH = toTensor(c.gradHn as GoldenTensor, dtype);
  let loss = dot(result.output.data, gradOutput.data) + dot(result.h.data, gradH.data);
  const gradCn = c.gradCn as GoldenTensor | null;
  if (gradCn && result.c) loss += dot(result.c.data, gradCn.data);
  expectGolden('loss', loss, c.loss as number, tol);

  model.zeroGrad();
  const back = model.backward(gradOutput, {
    gradH,
    ...(gradCn ? { gradC: toTensor(gradCn, dtype) } : {}),
  });
  const grads = c.grads as Record<string, GoldenTensor>;
  const got = model.gradDict();
  for (const name of Object.keys(params))
    expectGolden(`grad ${name}`, got[`rnn.${name}`].data, grads[name], tol);
  expect(back.input).not.toBeNull();
  expectGolden('grad input', back.input!.data, grads.input, tol);
  if (grads.h0)
    expectGolden('grad h0', (back.h0 as { data: ArrayLike<number> }).data, grads.h0, tol);
  if (grads.c0)
    expectGolden('grad c0', (back.c0 as { data: ArrayLike<number> }).data, grads.c0, tol);
}

function runTrainCase(c: Record<string, unknown>, dtype: DType, tol: number): void {
  const cell = c.cell as CellType;
  const cfg = c.config as GoldenConfig;
  const lossSpec = c.loss as { name: string; reduction: 'mean' | 'sum' };
  // 'learned' is in the shared format; 'given' (h0/c0 in the case) and 'encoded' (a context in the
  // case, encoder parameters named as in the README) are taken too, should a case carry them.
  const mode = (c.initialState ?? 'zeros') as InitialStateMode;
  const context = c.context as GoldenTensor | undefined;
  // With `embedding`, the input is token ids [B, T] and `embed.weight` is one of the parameters.
  const embedding = c.embedding as { vocabSize: number; dim: number } | undefined;
  const model = new Model({
    ...stackOptions(cell, cfg),
    outputSize: c.outputSize as number,
    initialState: mode,
    ...(mode === 'encoded' ? { contextSize: (context as GoldenTensor).shape[1] } : {}),
    ...(embedding ? { embedding } : {}),
    dtype,
  });
  expectBoundTo(model, getBackend());
  model.loadStateDict(c.params as Record<string, GoldenTensor>);
  const target = c.target as GoldenTensor;
  const optional = (name: string) =>
    c[name] ? { [name]: toTensor(c[name] as GoldenTensor, dtype) } : {};
  const batch = {
    input: toTensor(c.input as GoldenTensor, embedding ? 'float64' : dtype),
    target: toTensor(target, lossSpec.name === 'cross_entropy' ? 'float64' : dtype),
    ...(mode === 'given' ? { ...optional('h0'), ...optional('c0') } : {}),
    ...(mode === 'encoded' ? optional('context') : {}),
  };
  const loss = makeLoss(lossSpec);
  const optimizer = makeOptimizer(c.optimizer as Record<string, unknown>);
  const clip = makeClip(c.clip as Record<string, unknown> | null);
  const losses = c.losses as number[];
  const norms = c.gradNormsBeforeClip as number[];
  const options = { loss, optimizer, ...(clip ? { clip } : {}) };
  // With `tbptt`, the case is one long batch trained chunk by chunk, one step per chunk.
  const tbptt = c.tbptt as { chunk: number } | undefined;
  const results = tbptt
    ? trainTruncated(model, batch, { ...options, chunk: tbptt.chunk }).steps
    : Array.from({ length: c.steps as number }, () => trainStep(model, batch, options));
  expect(results.length).toBe(c.steps);
  results.forEach((r, step) => {
    expect(r.skipped).toBe(false);
    expectGolden(`loss at step ${step}`, r.loss, losses[step], tol);
    expectGolden(`grad norm at step ${step}`, r.gradNorm, norms[step], tol);
  });
  const finalParams = c.finalParams as Record<string, GoldenTensor>;
  const state = model.stateDict();
  expect(Object.keys(state).sort()).toEqual(Object.keys(finalParams).sort());
  for (const [name, expected] of Object.entries(finalParams))
    expectGolden(`final ${name}`, state[name].data, expected, tol);
}

/** The rnnkit optimizer for a golden case's torch.optim settings (snake_case keys become camelCase). */
function makeOptimizer(o: Record<string, unknown>): Optimizer {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (key !== 'name')
      options[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  const factories: Record<string, (opts: never) => Optimizer> = {
    sgd,
    adam,
    adamw,
    rmsprop,
    adagrad,
  };
  const factory = factories[String(o.name)];
  if (factory === undefined) throw new Error(`golden case uses optimizer ${String(o.name)}`);
  return factory(options as never);
}

/** The rnnkit loss for a golden case's loss name and reduction. */
function makeLoss(spec: { name: string; reduction: 'mean' | 'sum' }): Loss {
  const options = { reduction: spec.reduction };
  if (spec.name === 'mse') return mseLoss(options);
  if (spec.name === 'cross_entropy') return crossEntropyLoss(options);
  if (spec.name === 'bce_with_logits' || spec.name === 'binary_cross_entropy_with_logits') {
    return bceWithLogitsLoss(options);
  }
  throw new Error(`golden case uses loss ${spec.name}`);
}

/** Clipping by global norm (`maxNorm`, optional `normType`) or by value (`value` / `clipValue`). */
function makeClip(spec: Record<string, unknown> | null): ClipOptions | undefined {
  if (spec === null) return undefined;
  if (spec.maxNorm !== undefined) {
    const normType = spec.normType === 'inf' || spec.normType === Infinity ? 'inf' : 2;
    return { maxNorm: spec.maxNorm as number, normType };
  }
  return { value: (spec.value ?? spec.clipValue) as number };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
