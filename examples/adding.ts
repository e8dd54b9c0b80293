/**
 * The adding problem: how far back can each cell carry information? Every step has two channels,
 * a value drawn from [0, 1] and a marker that is 1 at exactly two steps (one in each half of the
 * sequence); the target is the sum of the two marked values, read at the last step. Always
 * predicting 1 scores MSE ≈ 0.167; solving it means remembering two values across up to T steps.
 *
 *   npm run example:adding                          # RNN, LSTM, GRU at T = 20, 50, 100
 *   npm run example:adding -- --steps 3000 --lengths 50,200 --cells lstm,gru
 *
 * Each model trains until its validation MSE reaches 0.01 or the budget of steps runs out, with
 * and without gradient clipping. It prints a table of validation MSE and steps taken, and writes
 * SVG charts to examples/output/: the validation loss over training for each T, and ‖dL/dh_t‖
 * against the distance from the last step (where the plain RNN's gradient fades and the gated
 * cells' does not).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Model,
  Rng,
  Tensor,
  adam,
  evaluate,
  fit,
  gradientFlow,
  mseLoss,
  type CellType,
  type Dataset,
} from 'rnnkit';
import { lineChart, type Series } from './svg.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1500' },
    lengths: { type: 'string', default: '20,50,100' },
    cells: { type: 'string', default: 'rnn,lstm,gru' },
    out: { type: 'string', default: fileURLToPath(new URL('output/', import.meta.url)) },
  },
});
const BUDGET = Number(args.steps);
const LENGTHS = args.lengths.split(',').map(Number);
const CELLS = args.cells.split(',') as CellType[];

/** A colour for each built-in cell in the charts. */
const CELL_COLORS: Record<string, string> = { rnn: '#d62728', lstm: '#1f77b4', gru: '#2ca02c' };
const BATCH = 32;
const EVERY = 50; // steps between validations
const TARGET = 0.01;
const HIDDEN = 16;
if (!Number.isInteger(BUDGET) || BUDGET < EVERY)
  throw new RangeError(`--steps ${args.steps}: expected an integer >= ${EVERY}`);
if (LENGTHS.some((T) => !Number.isInteger(T) || T < 2))
  throw new RangeError(`--lengths ${args.lengths}: expected integers >= 2`);
for (const c of CELLS)
  if (!['rnn', 'lstm', 'gru'].includes(c)) throw new TypeError(`--cells: unknown cell '${c}'`);

/** `count` sequences of the adding problem of length T: inputs [count, T, 2], targets [count, 1]. */
function addingProblem(
  count: number,
  T: number,
  rng: Rng,
): Dataset & { inputs: Tensor; targets: Tensor } {
  const inputs = new Tensor([count, T, 2]);
  const targets = new Tensor([count, 1]);
  const half = Math.floor(T / 2);
  for (let n = 0; n < count; n++) {
    for (let t = 0; t < T; t++) inputs.data[(n * T + t) * 2] = rng.uniform(0, 1);
    const marks = [rng.int(half), half + rng.int(T - half)];
    for (const t of marks) {
      inputs.data[(n * T + t) * 2 + 1] = 1;
      targets.data[n] += inputs.data[(n * T + t) * 2];
    }
  }
  return { inputs, targets };
}

interface Run {
  cell: CellType;
  T: number;
  clip: boolean;
  model: Model;
  /** Validation MSE every EVERY steps: [step, mse]. */
  curve: Array<[number, number]>;
  seconds: number;
}

function train(cell: CellType, T: number, clip: boolean): Run {
  const rng = new Rng(T);
  const validation = addingProblem(512, T, rng);
  const data = addingProblem(BATCH * 250, T, rng);
  const model = new Model({
    cell,
    inputSize: 2,
    hiddenSize: HIDDEN,
    outputSize: 1,
    head: 'last',
    seed: 1,
  });
  const curve: Array<[number, number]> = [[0, evaluate(model, validation, mseLoss(), 256)]];
  const stop = new AbortController();
  const started = performance.now();
  const batchesPerEpoch = Math.ceil(data.inputs.shape[0] / BATCH);
  console.log(`${cell.toUpperCase()} T=${T} ${clip ? 'with' : 'without'} clipping`);
  fit(model, data, {
    loss: mseLoss(),
    optimizer: adam({ lr: 0.01 }),
    clip: clip ? { maxNorm: 1 } : undefined,
    epochs: Math.ceil(BUDGET / batchesPerEpoch),
    batchSize: BATCH,
    seed: 1,
    progress: true,
    signal: stop.signal,
    onBatch: ({ epoch, batch }) => {
      const step = epoch * batchesPerEpoch + batch + 1;
      if (step % EVERY !== 0 && step !== BUDGET) return;
      const mse = evaluate(model, validation, mseLoss(), 256);
      curve.push([step, mse]);
      if (mse <= TARGET || step >= BUDGET || !Number.isFinite(mse)) stop.abort();
    },
  });
  return { cell, T, clip, model, curve, seconds: (performance.now() - started) / 1000 };
}

const runs: Run[] = [];
for (const T of LENGTHS)
  for (const cell of CELLS)
    for (const clip of [true, false]) {
      const run = train(cell, T, clip);
      runs.push(run);
      const [steps, mse] = run.curve[run.curve.length - 1];
      console.log(
        `  -> validation MSE ${mse.toFixed(4)} after ${steps} steps (${run.seconds.toFixed(1)} s)\n`,
      );
    }

console.log(
  `Adding problem: validation MSE (target ${TARGET}; predicting 1 gives about 0.167) and steps taken (budget ${BUDGET})`,
);
console.log('cell  T      clip  val MSE  steps   solved');
for (const r of runs) {
  const [steps, mse] = r.curve[r.curve.length - 1];
  console.log(
    `${r.cell.padEnd(5)} ${String(r.T).padEnd(6)} ${(r.clip ? 'yes' : 'no').padEnd(5)} ${mse.toFixed(4).padStart(7)}  ${String(steps).padStart(5)}   ${mse <= TARGET ? 'yes' : 'no'}`,
  );
}

mkdirSync(args.out, { recursive: true });
const written: string[] = [];
function save(name: string, svg: string): void {
  writeFileSync(path.join(args.out, name), svg);
  written.push(path.relative(process.cwd(), path.join(args.out, name)));
}

for (const T of LENGTHS) {
  const series: Series[] = runs
    .filter((r) => r.T === T)
    .map((r) => ({
      name: `${r.cell.toUpperCase()}${r.clip ? '' : ', no clip'}`,
      points: r.curve,
      color: CELL_COLORS[r.cell] ?? '#7f7f7f',
      dashed: !r.clip,
    }));
  save(
    `adding-loss-T${T}.svg`,
    lineChart({
      title: `Adding problem, T = ${T}: validation MSE while training`,
      xLabel: 'training step (batches of 32)',
      yLabel: 'validation MSE (log scale)',
      series,
      references: [
        { y: 1 / 6, label: 'always predict 1' },
        { y: TARGET, label: `target ${TARGET}` },
      ],
      logY: true,
    }),
  );
}

// How far back the error of the last step reaches in each trained model, at the middle length.
const T = LENGTHS[Math.floor(LENGTHS.length / 2)];
const probe = addingProblem(64, T, new Rng(99));
const flows: Series[] = runs
  .filter((r) => r.T === T && r.clip)
  .map((r) => {
    const norms = gradientFlow(
      r.model,
      { input: probe.inputs, target: probe.targets },
      { loss: mseLoss() },
    ).steps[0].norms;
    const last = norms[T - 1];
    return {
      name: r.cell.toUpperCase(),
      points: norms.map((n, t): [number, number] => [T - 1 - t, n / last]),
      color: CELL_COLORS[r.cell] ?? '#7f7f7f',
    };
  });
save(
  `adding-gradient-flow-T${T}.svg`,
  lineChart({
    title: `Trained on T = ${T}: how far back the last step's error reaches`,
    xLabel: 'distance from the last step (steps)',
    yLabel: '‖dL/dh_t‖ relative to the last step (log)',
    series: flows,
    logY: true,
  }),
);
console.log(`\nCharts: ${written.join(', ')}`);
