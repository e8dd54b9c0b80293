#!/usr/bin/env node
/**
 * fitAsync on a page's main thread, with its default time budget: an LSTM (H=128, B=32, T=100)
 * trains for a few seconds while a timer ticks every 10 ms; the longest gap between ticks is
 * how long the page froze. Prints the longest gap (and the longest once the first two batches,
 * which still run on code the browser is compiling, are done), the batch time and the budget;
 * exits non-zero when training failed or did not run on the wasm kernels.
 *
 *   npm run build && node scripts/browser-responsive-check.mjs   (needs /usr/bin/chromium)
 */
import { launchChromium, pageResult, servePage } from './chromium.mjs';
const page = `<!doctype html><meta charset="utf-8"><pre id="out">running</pre>
<script type="module">
  import { Model, Rng, Tensor, adam, fitAsync, mseLoss } from '/dist/index.js';
  const [N, B, T, I, H] = [256, 32, 100, 8, 128];
  const rng = new Rng(1);
  const inputs = new Tensor([N, T, I]);
  const targets = new Tensor([N, T, 1]);
  for (let i = 0; i < inputs.size; i++) inputs.data[i] = rng.uniform(-1, 1);
  for (let i = 0; i < targets.size; i++) targets.data[i] = rng.uniform(-1, 1);
  const model = new Model({ cell: 'lstm', inputSize: I, hiddenSize: H, outputSize: 1, seed: 1 });
  const controller = new AbortController();
  const batchMs = [];
  let batchStart = performance.now();
  let last = performance.now();
  let longest = 0;
  let steady = 0; // the longest pause after the first two batches (wasm code still warming up)
  const ticks = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    if (batchMs.length >= 2) steady = Math.max(steady, now - last);
    last = now;
  }, 10);
  setTimeout(() => controller.abort(), 4000);
  try {
    const history = await fitAsync(model, { inputs, targets }, {
      loss: mseLoss(), optimizer: adam(), epochs: 100, batchSize: B, signal: controller.signal,
      onBatch: () => {
        const now = performance.now();
        batchMs.push(now - batchStart);
        batchStart = now;
      },
    });
    clearInterval(ticks);
    batchMs.sort((a, b) => a - b);
    globalThis.result = {
      longest, steady, batches: batchMs.length, medianBatchMs: batchMs[batchMs.length >> 1] ?? null,
      backend: model.backend, aborted: history.aborted,
    };
  } catch (e) {
    globalThis.result = { error: String(e) };
  }
</script>`;

const server = await servePage(page);
const browser = await launchChromium();
let result;
try {
  result = await pageResult(browser, `${server.origin}/`, 120_000);
} finally {
  await browser.close();
  server.close();
}
const BUDGET = 50; // fitAsync's default yieldEveryMs
console.log('browser responsiveness check:', JSON.stringify(result));
if (result.error) process.exit(1);
console.log(
  `longest pause of the page ${result.longest.toFixed(0)} ms (${result.steady.toFixed(0)} ms after the first two batches) with fitAsync's default budget of ${BUDGET} ms; one batch takes ${result.medianBatchMs?.toFixed(0)} ms (median of ${result.batches})`,
);
// Pauses are reported, not judged: a shared machine's timing is no pass or fail.
process.exit(result.batches > 2 && result.backend === 'wasm' ? 0 : 1);
