import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  Model,
  adam,
  crossEntropyLoss,
  mseLoss,
  sgd,
  trainStep,
  type CellType,
  type ClipOptions,
  type DType,
  type Optimizer,
} from '../src/index.js';
import { loadCases, scaledError, toTensor, type GoldenTensor } from './helpers/golden.js';

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
function expectClose(
  what: string,
  got: ArrayLike<number> | number,
  expected: GoldenTensor | number,
  tol: number,
): void {
  const err = scaledError(
    typeof got === 'number' ? [got] : got,
    typeof expected === 'number' ? [expected] : expected.data,
  );
  expect(err, `${what}: scaled error ${err}`).toBeLessThanOrEqual(tol);
}

describe.each(['float64', 'float32'] as const)('golden cases in %s', (dtype) => {
  const tol = TOL[dtype];
  it('found golden cases to run', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const { file, json } of cases) {
    const cell = json.cell as CellType;
    if (!SUPPORTED.includes(cell)) continue;
    if (json.format === 'rnn-golden/1')
      it(`forward and backward: ${file}`, () => runForwardCase(json, dtype, tol));
    else if (json.format === 'rnn-train-golden/1')
      it(`training: ${file}`, () => runTrainCase(json, dtype, tol));
  }
});

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
  const params = c.params as Record<string, GoldenTensor>;
  model.loadStateDict(Object.fromEntries(Object.entries(params).map(([k, v]) => [`rnn.${k}`, v])));

  const result = model.forward(toTensor(c.input as GoldenTensor, dtype), {
    ...(h0 ? { h0: toTensor(h0, dtype) } : {}),
    ...(c0 ? { c0: toTensor(c0, dtype) } : {}),
  });
  expectClose('output', result.output.data, c.output as GoldenTensor, tol);
  expectClose('hn', result.h.data, c.hn as GoldenTensor, tol);
  if (c.cn)
    expectClose('cn', (result.c as { data: ArrayLike<number> }).data, c.cn as GoldenTensor, tol);

  const gradOutput = toTensor(c.gradOutput as GoldenTensor, dtype);
  const gradH = toTensor(c.gradHn as GoldenTensor, dtype);
  let loss = dot(result.output.data, gradOutput.data) + dot(result.h.data, gradH.data);
  const gradCn = c.gradCn as GoldenTensor | null;
  if (gradCn && result.c) loss += dot(result.c.data, gradCn.data);
  expectClose('loss', loss, c.loss as number, tol);

  model.zeroGrad();
  const back = model.backward(gradOutput, {
    gradH,
    ...(gradCn ? { gradC: toTensor(gradCn, dtype) } : {}),
  });
  const grads = c.grads as Record<string, GoldenTensor>;
  const got = model.gradDict();
  for (const name of Object.keys(params))
    expectClose(`grad ${name}`, got[`rnn.${name}`].data, grads[name], tol);
  expect(back.input).not.toBeNull();
  expectClose('grad input', back.input!.data, grads.input, tol);
  if (grads.h0)
    expectClose('grad h0', (back.h0 as { data: ArrayLike<number> }).data, grads.h0, tol);
  if (grads.c0)
    expectClose('grad c0', (back.c0 as { data: ArrayLike<number> }).data, grads.c0, tol);
}

function runTrainCase(c: Record<string, unknown>, dtype: DType, tol: number): void {
  const cell = c.cell as CellType;
  const cfg = c.config as GoldenConfig;
  const lossSpec = c.loss as { name: 'mse' | 'cross_entropy'; reduction: 'mean' | 'sum' };
  const model = new Model({
    ...stackOptions(cell, cfg),
    outputSize: c.outputSize as number,
    initialState: c.initialState === 'learned' ? 'learned' : 'zeros',
    dtype,
  });
  model.loadStateDict(c.params as Record<string, GoldenTensor>);
  const target = c.target as GoldenTensor;
  const batch = {
    input: toTensor(c.input as GoldenTensor, dtype),
    target: toTensor(target, lossSpec.name === 'mse' ? dtype : 'float64'),
  };
  const loss =
    lossSpec.name === 'mse'
      ? mseLoss({ reduction: lossSpec.reduction })
      : crossEntropyLoss({ reduction: lossSpec.reduction });
  const optimizer = makeOptimizer(c.optimizer as Record<string, unknown>);
  const clipSpec = c.clip as { maxNorm?: number; value?: number } | null;
  const clip: ClipOptions | undefined =
    clipSpec === null
      ? undefined
      : clipSpec.maxNorm !== undefined
        ? { maxNorm: clipSpec.maxNorm }
        : { value: clipSpec.value as number };
  const losses = c.losses as number[];
  const norms = c.gradNormsBeforeClip as number[];
  for (let step = 0; step < (c.steps as number); step++) {
    const r = trainStep(model, batch, { loss, optimizer, ...(clip ? { clip } : {}) });
    expect(r.skipped).toBe(false);
    expectClose(`loss at step ${step}`, r.loss, losses[step], tol);
    expectClose(`grad norm at step ${step}`, r.gradNorm, norms[step], tol);
  }
  const finalParams = c.finalParams as Record<string, GoldenTensor>;
  const state = model.stateDict();
  expect(Object.keys(state).sort()).toEqual(Object.keys(finalParams).sort());
  for (const [name, expected] of Object.entries(finalParams))
    expectClose(`final ${name}`, state[name].data, expected, tol);
}

function makeOptimizer(o: Record<string, unknown>): Optimizer {
  const lr = o.lr as number;
  if (o.name === 'sgd') {
    return sgd({
      lr,
      ...(o.momentum !== undefined ? { momentum: o.momentum as number } : {}),
      ...(o.dampening !== undefined ? { dampening: o.dampening as number } : {}),
      ...(o.nesterov !== undefined ? { nesterov: o.nesterov as boolean } : {}),
      ...(o.weight_decay !== undefined ? { weightDecay: o.weight_decay as number } : {}),
    });
  }
  if (o.name === 'adam') {
    return adam({
      lr,
      ...(o.betas !== undefined ? { betas: o.betas as [number, number] } : {}),
      ...(o.eps !== undefined ? { eps: o.eps as number } : {}),
      ...(o.weight_decay !== undefined ? { weightDecay: o.weight_decay as number } : {}),
    });
  }
  throw new Error(`golden case uses optimizer ${String(o.name)}, which this suite does not map`);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
