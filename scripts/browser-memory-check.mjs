#!/usr/bin/env node
/**
 * The memory check in headless Chromium: the same LSTM training step (B=32, T=100, I=64,
 * H=256 and H=512) in a page without cross-origin isolation and in one served with COOP/COEP
 * headers. Each model owns a growable WebAssembly memory, so both pages run the wasm kernels
 * at the same speed. Prints the median step times and their ratio; exits non-zero unless
 * every model reports `backend: 'wasm'` and the two pages really differ in isolation.
 *
 *   npm run build && node scripts/browser-memory-check.mjs   (needs /usr/bin/chromium)
 */
import { plainAndIsolated } from './chromium.mjs';
const page = `<!doctype html><meta charset="utf-8"><pre id="out">running</pre>
<script type="module">
  import { Model, Rng, Tensor, mseLoss, sgd, trainStep } from '/dist/index.js';
  const run = (H) => {
    const [B, T, I] = [32, 100, 64];
    const rng = new Rng(1);
    const input = new Tensor([B, T, I]);
    const target = new Tensor([B, T, 1]);
    for (let i = 0; i < input.size; i++) input.data[i] = rng.uniform(-1, 1);
    const model = new Model({ cell: 'lstm', inputSize: I, hiddenSize: H, outputSize: 1, seed: 1 });
    const opts = { loss: mseLoss(), optimizer: sgd({ lr: 0.01 }) };
    trainStep(model, { input, target }, opts);
    const ms = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      trainStep(model, { input, target }, opts);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const result = { H, backend: model.backend, ms: ms[1] };
    model.dispose();
    return result;
  };
  try {
    window.result = { isolated: crossOriginIsolated, runs: [run(256), run(512)] };
  } catch (e) {
    window.result = { error: String(e) };
  }
</script>`;

const results = await plainAndIsolated(page);
console.log('browser memory check:', JSON.stringify(results));
const { plain, isolated } = results;
let ok = !plain.error && !isolated.error && !plain.isolated && isolated.isolated;
for (let i = 0; ok && i < plain.runs.length; i++) {
  const [p, q] = [plain.runs[i], isolated.runs[i]];
  ok = p.backend === 'wasm' && q.backend === 'wasm';
  const ratio = (p.ms / q.ms).toFixed(2);
  console.log(
    `LSTM H=${p.H}: plain page ${p.ms.toFixed(0)} ms, isolated ${q.ms.toFixed(0)} ms (${ratio}x)`,
  );
}
process.exit(ok ? 0 : 1);
