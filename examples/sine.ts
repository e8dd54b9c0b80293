/**
 * Forecasting a sine wave a few steps ahead with a recurrent model.
 *
 *   npm run example            # LSTM
 *   npm run example -- gru     # or rnn
 *
 * Each sequence is a sine wave with a random frequency and phase; at every step the model
 * sees the current value and predicts the value HORIZON steps later.
 */
import { Model, Rng, Tensor, adam, fit, mseLoss, type CellType } from 'rnnkit';

const HORIZON = 3;
const STEPS = 40;
const cell = (process.argv[2] ?? 'lstm') as CellType;
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
fit(model, train, {
  loss: mseLoss(),
  optimizer: adam({ lr: 0.01 }),
  clip: { maxNorm: 1 },
  epochs: 20,
  batchSize: 32,
  validation: test,
  onEpoch: (e) => {
    if (e.epoch % 2 === 1 || e.epoch === 0) {
      console.log(
        `epoch ${String(e.epoch + 1).padStart(2)}  train loss ${e.loss.toFixed(5)}  ` +
          `test loss ${(e.valLoss ?? NaN).toFixed(5)}  max grad norm ${e.maxGradNorm.toFixed(3)}`,
      );
    }
  },
});
console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

const pred = model.predict(test.inputs);
console.log(`A test wave, the last steps: prediction beside truth (${HORIZON} steps ahead)`);
console.log('  step   input   predicted   truth');
for (let t = STEPS - 8; t < STEPS; t++) {
  const row = [test.inputs.get(0, t, 0), pred.get(0, t, 0), test.targets.get(0, t, 0)];
  console.log(
    `  ${String(t).padStart(4)}  ${row.map((v) => v.toFixed(3).padStart(7)).join('     ')}`,
  );
}
