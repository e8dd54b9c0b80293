/**
 * rnnkit measurements: W1 figures for one cell, and the training-time scaling table.
 * The sizes are parameters, so the tests can run the same code on a tiny configuration.
 */
import { Model, Tensor, getBackend, mseLoss, sgd, trainStep } from '../src/index.js';
import { wasmVariant } from '../src/kernels/wasm.js';
import { scalingRow, type ScalingRow } from './report.js';
import { BenchRng } from './rng.js';
import {
  assertFinite,
  errorMessage,
  timeRate,
  type Cell,
  type Figures,
  type Timing,
  type Workload,
} from './workload.js';

/** The model, data and training step every rnnkit figure (and the ONNX export) starts from. */
export interface Setup {
  model: Model;
  input: Tensor;
  target: Tensor;
  step: () => void;
}

/** The benchmark model for one cell (seed 1) with its seeded input and target. */
export function setup(cell: Cell, w: Workload): Setup {
  const rng = new BenchRng(1);
  const model = new Model({
    cell,
    inputSize: w.I,
    hiddenSize: w.H,
    outputSize: w.O,
    dtype: 'float32',
    seed: 1,
  });
  const input = new Tensor([w.B, w.T, w.I], rng.fill(w.B * w.T * w.I));
  const target = new Tensor([w.B, w.T, w.O], rng.fill(w.B * w.T * w.O));
  const loss = mseLoss();
  const optimizer = sgd({ lr: w.lr });
  const step = (): void => {
    const r = trainStep(model, { input, target }, { loss, optimizer });
    assertFinite(r.loss, 'rnnkit training loss');
  };
  return { model, input, target, step };
}

/** Which kernels the measured models run on: set by `RNNKIT_BACKEND=js|wasm` (default: wasm where available). */
export function rnnkitBackendNote(): string {
  const env = process.env.RNNKIT_BACKEND;
  const build = getBackend() === 'wasm' ? ` (${wasmVariant() ?? 'unknown'} build)` : '';
  return `kernels ${getBackend()}${build}, RNNKIT_BACKEND=${env ?? '(unset: the default backend)'}`;
}

/** Training throughput only (sequences per wall-clock second), for the scaling table. */
export async function measureRnnkitTrain(cell: Cell, w: Workload, timing: Timing): Promise<number> {
  const { step } = setup(cell, w);
  return 1e6 / (await timeRate(step, w.B, timing)).wallUs;
}

/**
 * The figures for one cell: training, batched inference and, on one thread, one streaming step.
 * With `threads` > 1 the batched passes are split over worker threads (`model.useThreads`);
 * streaming stays on one thread, so it is measured only there.
 */
export async function measureRnnkit(
  cell: Cell,
  w: Workload,
  timing: Timing,
  threads = 1,
): Promise<Figures> {
  const { model, input, step } = setup(cell, w);
  await model.useThreads(threads);
  const train = await timeRate(step, w.B, timing);
  const infer = await timeRate(() => void model.predict(input), w.B, timing);
  assertFinite(model.predict(input).data, 'rnnkit output');
  if (threads > 1) {
    await model.useThreads(1);
    return { train, infer };
  }
  const stream = model.createStream();
  const x = new BenchRng(2).fill(w.I);
  assertFinite(stream.step(x), 'rnnkit stream output');
  const stepRate = await timeRate(() => void stream.step(x), 1, timing);
  stream.reset();
  return { train, infer, step: stepRate };
}

/** The scaling points: T grows at H=128, then H grows at T=50 (T=50, H=128 is shared). */
export function scalingSizes(): { T: number; H: number }[] {
  return [
    { T: 50, H: 128 },
    { T: 200, H: 128 },
    { T: 1000, H: 128 },
    { T: 50, H: 32 },
    { T: 50, H: 512 },
  ];
}

/** Training time per sequence at every scaling point, for one cell. */
export async function measureScaling(
  cell: Cell,
  base: Workload,
  timing: Timing,
  sizes = scalingSizes(),
): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  for (const { T, H } of sizes) {
    try {
      const seqPerSec = await measureRnnkitTrain(cell, { ...base, T, H }, timing);
      rows.push(scalingRow(cell, { T, H, B: base.B }, seqPerSec));
    } catch (err) {
      rows.push({ cell, T, H, B: base.B, error: errorMessage(err) });
    }
  }
  return rows;
}
