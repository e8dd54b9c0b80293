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
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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

const isolation = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = url.searchParams.has('isolated') ? isolation : {};
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html', ...headers }).end(page);
    return;
  }
  const file = path.join(root, path.normalize(url.pathname));
  if (!file.startsWith(path.join(root, 'dist'))) return res.writeHead(404).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': 'text/javascript', ...headers }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const results = {};
try {
  for (const kind of ['plain', 'isolated']) {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${port}/${kind === 'isolated' ? '?isolated' : ''}`);
    await tab.waitForFunction(() => globalThis.result !== undefined, null, { timeout: 300_000 });
    results[kind] = await tab.evaluate(() => globalThis.result);
    await tab.close();
  }
} finally {
  await browser.close();
  server.close();
}
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
