/**
 * Forecasting a sine wave a few steps ahead with a recurrent model.
 *
 *   npm run example            # LSTM
 *   npm run example -- gru     # or rnn
 *
 * Each sequence is a sine wave with a random frequency and phase; at every step the model
 * sees the current value and predicts the value HORIZON steps later. It writes a chart of
 * prediction beside truth on test waves to examples/output/sine.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Model, Rng, Tensor, adam, fit, mseLoss, type CellType } from 'rnnkit';
import { lineChart, type Series } from './svg.js';

const HORIZON = 3;
const STEPS = 40;
const { positionals } = parseArgs({ allowPositionals: true });
const cell = (positionals[0] ?? 'lstm') as CellType;
if (!['rnn', 'lstm', 'gru'].includes(cell))
  throw new TypeError(`unknown cell '${cell}': use rnn, lstm or gru`);

function sineWaves(count: number, rng: Rng): { inputs: Tensor; targets: Tensor } {
  const inputs = new Tensor([count, STEPS, 1]);
  const targets = new Tensor([count, STEPS, 1]);
  for (let n = 0; n < count; n++) {
    const freq = rng.uniform(0.1, 0.3);
    const phase = rng.uniform(0, 2 * Math.PI);
    for (let t = 0; t < STEPS; t++) {
      inputs.data[n * STEPS + t] = Math.sin(freq * t + phase);
      targets.data[n * STEPS + t] = Math.sin(freq * (t + HORIZON) + phase);
    }
  }
  return { inputs, targets };
}

const rng = new Rng(42);
const train = sineWaves(512, rng);
const test = sineWaves(4, rng);
const model = new Model({ cell, inputSize: 1, hiddenSize: 32, outputSize: 1, seed: 1 });

console.log(
  `Training a ${cell.toUpperCase()} (${model.parameterCount} parameters) to predict sin(t + ${HORIZON})`,
);
const started = performance.now();
const history = fit(model, train, {
  loss: mseLoss(),
  optimizer: adam({ lr: 0.01 }),
  clip: { maxNorm: 1 },
  epochs: 20,
  batchSize: 32,
  validation: test,
  progress: true,
});
const final = history.epochs[history.epochs.length - 1];
console.log(
  `trained in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
    `train loss ${final.loss.toFixed(5)}, test loss ${(final.valLoss ?? NaN).toFixed(5)}`,
);

// Prediction beside truth on two test waves, written as a chart.
const pred = model.predict(test.inputs);
const series: Series[] = [];
for (const [n, color] of [
  [0, '#1f77b4'],
  [1, '#ff7f0e'],
] as const) {
  const at = (t: Tensor, s: number): number => t.get(n, s, 0);
  const steps = Array.from({ length: STEPS }, (_, s) => s);
  series.push(
    {
      name: `wave ${n + 1}: truth`,
      color,
      points: steps.map((s) => [s + HORIZON, at(test.targets, s)]),
    },
    {
      name: `wave ${n + 1}: ${cell.toUpperCase()}`,
      color,
      dashed: true,
      points: steps.map((s) => [s + HORIZON, at(pred, s)]),
    },
  );
}
const out = fileURLToPath(new URL('output/', import.meta.url));
mkdirSync(out, { recursive: true });
const file = path.join(out, 'sine.svg');
writeFileSync(
  file,
  lineChart({
    title: `${cell.toUpperCase()} forecasting ${HORIZON} steps ahead on test waves`,
    xLabel: 'step',
    yLabel: 'value',
    series,
  }),
);
console.log(`chart of prediction beside truth: ${path.relative(process.cwd(), file)}`);
