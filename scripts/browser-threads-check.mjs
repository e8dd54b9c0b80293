#!/usr/bin/env node
/**
 * Threads in headless Chromium: in a page served with COOP/COEP headers (cross-origin
 * isolated), `useThreads(2)` starts a worker that shares the model's WebAssembly memory, and an
 * LSTM (B=32, T=50, I=32, H=256) trains to the same weights, bit for bit, as on one thread. In
 * a page without isolation `useThreads(2)` is refused with an error naming the headers, and
 * the model goes on on one thread. Prints the step times; exits non-zero unless all of it holds.
 *
 *   npm run build && node scripts/browser-threads-check.mjs   (needs /usr/bin/chromium)
 */
import { plainAndIsolated } from './chromium.mjs';

const page = `<!doctype html><meta charset="utf-8"><pre id="out">running</pre>
<script type="module">
  import { Model, Rng, Tensor, mseLoss, sgd, trainStep } from '/dist/index.js';
  const [B, T, I, H] = [32, 50, 32, 256];
  const rng = new Rng(1);
  const input = new Tensor([B, T, I]);
  const target = new Tensor([B, T, 1]);
  for (let i = 0; i < input.size; i++) input.data[i] = rng.uniform(-1, 1);
  for (let i = 0; i < target.size; i++) target.data[i] = rng.uniform(-1, 1);
  const options = { cell: 'lstm', inputSize: I, hiddenSize: H, outputSize: 1, seed: 1 };
  const train = (model) => {
    const opts = { loss: mseLoss(), optimizer: sgd({ lr: 0.01 }) };
    const ms = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      trainStep(model, { input, target }, opts);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { ms: ms[2], weights: Array.from(model.params.values) };
  };
  try {
    const one = new Model(options);
    const alone = train(one);
    const two = new Model(options);
    let refused = null;
    try {
      await two.useThreads(2);
    } catch (e) {
      refused = e.message;
    }
    const threads = two.threads;
    const shared = train(two);
    let same = alone.weights.length === shared.weights.length;
    for (let i = 0; same && i < alone.weights.length; i++)
      same = Object.is(alone.weights[i], shared.weights[i]);
    await two.useThreads(1);
    window.result = {
      isolated: crossOriginIsolated,
      threads,
      refused,
      same,
      oneMs: alone.ms,
      twoMs: shared.ms,
    };
  } catch (e) {
    window.result = { error: String(e) };
  }
</script>`;

const results = await plainAndIsolated(page);
console.log('browser threads check:', JSON.stringify(results));
const { isolated, plain } = results;
const ok =
  !isolated.error &&
  !plain.error &&
  isolated.isolated &&
  isolated.threads === 2 &&
  isolated.refused === null &&
  isolated.same &&
  !plain.isolated &&
  plain.threads === 1 &&
  plain.same &&
  typeof plain.refused === 'string' &&
  plain.refused.includes('Cross-Origin-Embedder-Policy');
if (!isolated.error) {
  const speedup = (isolated.oneMs / isolated.twoMs).toFixed(2);
  console.log(
    `LSTM H=256 training step, isolated page: one thread ${isolated.oneMs.toFixed(0)} ms, ` +
      `two ${isolated.twoMs.toFixed(0)} ms (${speedup}x), same weights: ${isolated.same}`,
  );
}
process.exit(ok ? 0 : 1);
