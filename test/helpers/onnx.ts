import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { Rng, Tensor, type ForwardOptions, type Model } from '../../src/index.js';

export const PYTHON = process.env.RNNKIT_PYTHON ?? '/usr/bin/python3';

/** Whether `module` imports in Debian's Python (found without importing it), or CI requires it. */
export function pythonHas(module: string): boolean {
  if (process.env.RNNKIT_REQUIRE_TORCH === '1') return true;
  const find = `import importlib.util, sys; sys.exit(importlib.util.find_spec("${module}") is None)`;
  return spawnSync(PYTHON, ['-c', find], { stdio: 'ignore' }).status === 0;
}

/** Largest absolute difference; the lengths must match. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Inputs for one call of a model: the batch and the forward options its mode needs. */
export interface Call {
  x: Tensor;
  ids: number[][] | null;
  options: ForwardOptions;
}

/** A batch of `B` sequences of `T` steps for `model`, with its initial states and lengths. */
export function makeCall(
  model: Model,
  B: number,
  T: number,
  seed: number,
  lengths: number[] | null,
): Call {
  const o = model.options;
  const rng = new Rng(seed);
  const fill = (shape: number[]): Tensor => {
    const t = new Tensor(shape);
    for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-1, 1);
    return t;
  };
  const options: ForwardOptions = {};
  const LD = o.numLayers * (o.bidirectional ? 2 : 1);
  if (o.initialState === 'given') {
    options.h0 = fill([LD, B, o.hiddenSize]);
    if (o.cell === 'lstm') options.c0 = fill([LD, B, o.hiddenSize]);
  }
  if (o.initialState === 'encoded') options.context = fill([B, o.contextSize]);
  if (lengths !== null) options.lengths = lengths;
  const ids = o.embedding
    ? Array.from({ length: B }, () =>
        Array.from({ length: T }, () => rng.int(o.embedding!.vocabSize)),
      )
    : null;
  return { x: fill([B, T, o.inputSize]), ids, options };
}

/** The ONNX feeds for a call of a file written by toOnnx. */
export function feeds(call: Call): Record<string, ort.Tensor> {
  const f: Record<string, ort.Tensor> = {};
  const { x, ids, options } = call;
  if (ids !== null)
    f.input = new ort.Tensor('int64', BigInt64Array.from(ids.flat().map(BigInt)), [
      ids.length,
      ids[0].length,
    ]);
  else f.input = new ort.Tensor('float32', Float32Array.from(x.data), x.shape);
  if (options.lengths)
    f.lengths = new ort.Tensor('int32', Int32Array.from(options.lengths), [options.lengths.length]);
  for (const name of ['h0', 'c0', 'context'] as const) {
    const t = options[name];
    if (t instanceof Tensor)
      f[name] = new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
  }
  return f;
}

/** Runs a file in onnxruntime-node. */
export async function runOnnx(
  bytes: Uint8Array,
  f: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  try {
    return await session.run(f);
  } finally {
    await session.release();
  }
}

/** Sets every learned initial state to values drawn from `seed` (they start at zero). */
export function randomizeStates(model: Model, seed: number): void {
  const rng = new Rng(seed);
  for (const p of model.params.list) {
    if (p.name !== 'h0' && p.name !== 'c0') continue;
    const v = model.params.values.subarray(p.offset, p.offset + p.size);
    for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-1, 1);
  }
}
