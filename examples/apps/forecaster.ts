// A forecaster on the yearly sunspot numbers: trained on the years before 1969, then each
// held-out year forecast from the years before it, beside the seasonal-naive baseline.
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Forecaster, Model, Scaler, adam, fit, forecastError, mseLoss } from 'rnnkit';
import { seasonalNaive, slidingWindows } from 'rnnkit';
import { loadForecaster, saveModel } from 'rnnkit/node';

const csv = readFileSync(new URL('../data/sunspots.csv', import.meta.url), 'utf8');
const series = csv
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => Number(line.split(',')[1]));
const cut = series.length - 40;
const train = series.slice(0, cut);

const scaler = Scaler.fit(train);
const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 32, outputSize: 1, head: 'last' });
const data = slidingWindows(scaler.transform(train), { input: 22 });
fit(model, data, { loss: mseLoss(), optimizer: adam({ lr: 0.005 }), epochs: 60, batchSize: 16 });
mkdirSync(new URL('../output/', import.meta.url), { recursive: true });
const file = fileURLToPath(new URL('../output/sunspots-app.safetensors', import.meta.url));
await saveModel(new Forecaster(model, { scaler, window: 22 }), file);

const forecaster = await loadForecaster(file);
const actual = series.slice(cut);
const before = (i: number) => series.slice(0, cut + i);
const ours = actual.map((_, i) => forecaster.forecast(before(i), 1)[0] as number);
const naive = actual.map((_, i) => seasonalNaive(before(i), 1, 11)[0] as number);
const model1 = forecastError(actual, ours).mae;
const naive1 = forecastError(actual, naive).mae;
console.log(`held-out MAE: GRU ${model1.toFixed(2)}, seasonal naive ${naive1.toFixed(2)}`);
console.log(model1 < naive1 ? 'the GRU beats seasonal naive' : 'seasonal naive wins');
