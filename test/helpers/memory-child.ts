/**
 * Runs with `node --expose-gc --import tsx` for the memory tests, which need a collector they
 * can call: `kept-view` (views of dropped and disposed models written after other models were
 * built), `churn N drop|dispose` (N LSTM models built, trained one step and let go). Prints one
 * JSON line.
 */
import { Model, Rng, Tensor, mseLoss, sgd, trainStep } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const collect = (): void => {
  for (let i = 0; i < 4; i++) gc();
};

const [mode, count, release] = process.argv.slice(2);

function model(seed: number, H = 16): Model {
  return new Model({ cell: 'lstm', inputSize: 4, hiddenSize: H, outputSize: 2, seed });
}

function batch(B: number, T: number, I: number) {
  const rng = new Rng(1);
  const input = new Tensor([B, T, I]);
  const target = new Tensor([B, T, 2]);
  for (let i = 0; i < input.size; i++) input.data[i] = rng.normal();
  for (let i = 0; i < target.size; i++) target.data[i] = rng.normal();
  return { input, target };
}

if (mode === 'kept-view') {
  const kept: Float32Array[] = [];
  for (let i = 0; i < 20; i++) {
    const m = model(i);
    m.forward(batch(2, 3, 4).input);
    kept.push(m.params.values as Float32Array, m.params.view(m.params.list[1]) as Float32Array);
    if (i % 2 === 1) m.dispose();
  }
  collect();
  const later = Array.from({ length: 20 }, (_, i) => model(100 + i));
  const before = later.map((m) => m.params.values.slice());
  let live = 0;
  for (const v of kept) {
    for (let j = 0; j < v.length; j++) v[j] = 1e6;
    if (v.length > 0) live++;
  }
  collect();
  const touched = later.filter((m, i) => m.params.values.some((x, j) => x !== before[i][j]));
  const fresh = model(100);
  const same = fresh.params.values.every((x, j) => x === before[0][j]);
  console.log(JSON.stringify({ touched: touched.length, same, live, kept: kept.length }));
} else if (mode === 'churn') {
  const n = Number(count);
  const data = batch(8, 10, 4);
  const opts = { loss: mseLoss(), optimizer: sgd({ lr: 0.01 }) };
  const rss: Record<string, number> = {};
  /** CPU milliseconds of the steps of models 1-10 and of the last ten, in total. */
  const stepMs = { first: 0, last: 0 };
  for (let i = 1; i <= n; i++) {
    const m = model(i, 128);
    const t0 = process.cpuUsage();
    trainStep(m, data, opts);
    const t = process.cpuUsage(t0);
    if (i <= 10) stepMs.first += (t.user + t.system) / 1000;
    if (i > n - 10) stepMs.last += (t.user + t.system) / 1000;
    if (release === 'dispose') m.dispose();
    if (i === 10 || i === n) {
      if (release !== 'dispose') collect();
      rss[i] = process.memoryUsage().rss;
    }
  }
  console.log(JSON.stringify({ rss, stepMs, ratio: stepMs.last / stepMs.first }));
}
