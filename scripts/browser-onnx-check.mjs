#!/usr/bin/env node
/**
 * rnnkit/onnx in a real browser: a page imports the built bundles (dist/index.js, dist/onnx.js)
 * and onnxruntime-web, builds three models (a bidirectional two-layer LSTM with lengths and a
 * last-step head, a GRU over an embedding with an encoded initial state, an RNN with a learned
 * state and a head at every step), trains each a few steps, exports it with toOnnx and runs the
 * file in onnxruntime-web (wasm backend, one thread). Exits non-zero unless every output and
 * final state equals rnnkit's to 1e-5.
 *
 *   npm run build && node scripts/browser-onnx-check.mjs   (needs /usr/bin/chromium, or CHROMIUM)
 */
/* global window -- read inside the page */
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORT = '/node_modules/onnxruntime-web/dist/';
const page = `<!doctype html><meta charset="utf-8"><pre id="out">running</pre>
<script type="importmap">{ "imports": {
  "rnnkit": "/dist/index.js", "rnnkit/onnx": "/dist/onnx.js", "onnxruntime-web": "${ORT}ort.wasm.min.mjs" } }</script>
<script type="module">
  import { Model, Rng, Tensor, adam, mseLoss, trainStep } from 'rnnkit';
  import { toOnnx } from 'rnnkit/onnx';
  import * as ort from 'onnxruntime-web';
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '${ORT}';
  const rng = new Rng(3);
  const fill = (shape) => { const t = new Tensor(shape); for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-1, 1); return t; };
  const diff = (a, b) => { let m = a.length === b.length ? 0 : Infinity; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
  const B = 3, T = 6;
  const cases = [
    { name: 'lstm bidirectional 2 layers, lengths, last-step head', options: { cell: 'lstm', inputSize: 2, hiddenSize: 5, numLayers: 2, bidirectional: true, outputSize: 2, head: 'last' }, lengths: [6, 3, 5] },
    { name: 'gru embedding, encoded state', options: { cell: 'gru', inputSize: 4, hiddenSize: 5, embedding: { vocabSize: 9, dim: 4 }, initialState: 'encoded', contextSize: 3, outputSize: 2 } },
    { name: 'rnn learned state, head at every step', options: { cell: 'rnn', inputSize: 2, hiddenSize: 4, initialState: 'learned', outputSize: 1 } },
  ];
  const results = [];
  try {
    for (const c of cases) {
      const model = new Model(c.options);
      const o = model.options;
      const ids = o.embedding ? Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(9))) : null;
      const x = ids ?? fill([B, T, o.inputSize]);
      const call = {};
      if (c.lengths) call.lengths = c.lengths;
      if (o.initialState === 'encoded') call.context = fill([B, o.contextSize]);
      const target = fill(o.head === 'last' ? [B, o.outputSize] : [B, T, o.outputSize]);
      const optimizer = adam({ lr: 0.05 });
      for (let s = 0; s < 3; s++) trainStep(model, { input: x, target, ...call }, { loss: mseLoss(), optimizer });
      const want = model.forward(x, call);
      const feeds = {};
      feeds.input = ids ? new ort.Tensor('int64', BigInt64Array.from(ids.flat().map(BigInt)), [B, T]) : new ort.Tensor('float32', Float32Array.from(x.data), [B, T, o.inputSize]);
      if (c.lengths) feeds.lengths = new ort.Tensor('int32', Int32Array.from(c.lengths), [B]);
      if (call.context) feeds.context = new ort.Tensor('float32', Float32Array.from(call.context.data), call.context.shape);
      const session = await ort.InferenceSession.create(toOnnx(model, { lengths: !!c.lengths }), { executionProviders: ['wasm'] });
      const got = await session.run(feeds);
      results.push({ name: c.name, output: diff(got.output.data, want.output.data), h: diff(got.h.data, want.h.data), c: want.c ? diff(got.c.data, want.c.data) : 0 });
    }
    window.result = { results };
  } catch (e) {
    window.result = { error: String(e && e.stack || e) };
  }
  document.getElementById('out').textContent = JSON.stringify(window.result);
</script>`;

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  const file = path.join(root, path.normalize(url.pathname));
  const allowed = [path.join(root, 'dist'), path.join(root, ORT)];
  if (!allowed.some((dir) => file.startsWith(dir))) return res.writeHead(404).end();
  try {
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const profile = await mkdtemp(path.join(tmpdir(), 'rnnkit-onnx-chromium-'));
const problems = [];
let browser = null;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  const tab = await browser.newPage();
  tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 60_000 });
  const result = await tab.evaluate(() => window.result);
  console.log('browser onnx check:', JSON.stringify(result, null, 2));
  if (result.error) problems.push(result.error);
  for (const r of result.results ?? [])
    for (const key of ['output', 'h', 'c'])
      if (!(r[key] < 1e-5)) problems.push(`${r.name}: ${key} differs from rnnkit by ${r[key]}`);
  if ((result.results ?? []).length !== 3) problems.push('not every model ran');
} catch (error) {
  problems.push(String(error));
} finally {
  await browser?.close();
  server.close();
  await rm(profile, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error('browser onnx check failed:\n  ' + problems.join('\n  '));
  process.exit(1);
}
