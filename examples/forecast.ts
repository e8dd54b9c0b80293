/**
 * Forecasting a real series: the yearly sunspot numbers 1700-2008 (statsmodels' copy of NOAA's
 * data, exported by scripts/export-series.py to examples/data/sunspots.csv). A GRU is trained on
 * windows of the years up to the held-out part, with a Scaler fitted on those years only; each
 * held-out year is then forecast from the years before it, and the error is set beside the
 * seasonal-naive baseline (the value one 11-year cycle earlier). Writes forecast.svg and the
 * model file (model and scaler together) to examples/output/, and sketches the forecast here.
 *
 *   npm run example:forecast [-- --epochs 60 --test 40]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Forecaster,
  Model,
  Scaler,
  adam,
  fit,
  forecastError,
  mseLoss,
  seasonalNaive,
  slidingWindows,
} from 'rnnkit';
import { loadForecaster, saveModel } from 'rnnkit/node';
import { asciiChart } from './ascii.js';
import { lineChart } from './svg.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '60' },
    test: { type: 'string', default: '40' },
    out: { type: 'string', default: fileURLToPath(new URL('output/', import.meta.url)) },
  },
});
const EPOCHS = Number(args.epochs);
const TEST = Number(args.test);
const WINDOW = 22; // two 11-year cycles
const PERIOD = 11;

const csv = readFileSync(new URL('data/sunspots.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n');
const rows = csv.slice(1).map((line) => line.split(',').map(Number));
const years = rows.map((r) => r[0]);
const series = rows.map((r) => r[1]);
const cut = series.length - TEST;
const train = series.slice(0, cut);

const scaler = Scaler.fit(train);
const data = slidingWindows(scaler.transform(train), { input: WINDOW });
const model = new Model({
  cell: 'gru',
  inputSize: 1,
  hiddenSize: 32,
  outputSize: 1,
  head: 'last',
  seed: 1,
});
const history = fit(model, data, {
  loss: mseLoss(),
  optimizer: adam({ lr: 0.005 }),
  epochs: EPOCHS,
  batchSize: 16,
  seed: 1,
});
const forecaster = new Forecaster(model, { scaler, window: WINDOW });

// Each held-out year from the years before it (one step ahead), for the model and the baseline.
const actual = series.slice(cut);
const predicted = actual.map(
  (_, i) => forecaster.forecast(series.slice(0, cut + i), 1)[0] as number,
);
const naive = actual.map((_, i) => seasonalNaive(series.slice(0, cut + i), 1, PERIOD)[0] as number);
const ours = forecastError(actual, predicted);
const base = forecastError(actual, naive);

mkdirSync(args.out, { recursive: true });
const file = join(args.out, 'sunspots.safetensors');
await saveModel(forecaster, file);
const loaded = await loadForecaster(file);
const same = loaded.forecast(series, 5).join() === forecaster.forecast(series, 5).join();

const x = years.slice(cut);
writeFileSync(
  join(args.out, 'forecast.svg'),
  lineChart({
    title: `Sunspots ${x[0]}-${x[x.length - 1]}, held out, one year ahead`,
    xLabel: 'year',
    yLabel: 'mean sunspot number',
    series: [
      { name: 'actual', points: actual.map((v, i) => [x[i], v]) },
      { name: `GRU (MAE ${ours.mae.toFixed(1)})`, points: predicted.map((v, i) => [x[i], v]) },
      {
        name: `seasonal naive (MAE ${base.mae.toFixed(1)})`,
        points: naive.map((v, i) => [x[i], v]),
        dashed: true,
      },
    ],
  }),
);

console.log(
  `trained ${EPOCHS} epochs on ${years[0]}-${years[cut - 1]}, final loss ${history.epochs.at(-1)?.loss.toFixed(4)}`,
);
console.log(`held out ${x[0]}-${x[x.length - 1]} (${TEST} years), each forecast one year ahead:`);
console.log(
  `  GRU             MAE ${ours.mae.toFixed(2).padStart(6)}   RMSE ${ours.rmse.toFixed(2).padStart(6)}`,
);
console.log(
  `  seasonal naive  MAE ${base.mae.toFixed(2).padStart(6)}   RMSE ${base.rmse.toFixed(2).padStart(6)}   (value ${PERIOD} years before)`,
);
console.log(`  the GRU ${ours.mae < base.mae ? 'beats' : 'does not beat'} the baseline`);
console.log(`saved model and scaler to ${file}; loaded back forecasts the same: ${same}`);
console.log(`chart: ${join(args.out, 'forecast.svg')}\n`);
console.log(
  asciiChart([
    { name: 'actual', mark: '*', values: actual },
    { name: 'GRU', mark: 'o', values: predicted },
  ]),
);
