#!/usr/bin/env node
/**
 * Runs the built ESM bundle in headless Chromium: a page imports dist/index.js, trains a small
 * GRU with fitAsync and reports its loss and backend. Exits non-zero unless the loss fell and
 * the model ran on the WebAssembly kernels.
 *
 *   npm run build && node scripts/browser-check.mjs   (needs Debian's chromium: /usr/bin/chromium)
 */
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const page = `<!doctype html><meta charset="utf-8"><pre id="out">running</pre>
<script type="module">
  import { Model, Rng, Tensor, adam, fitAsync, getBackend, mseLoss } from '/dist/index.js';
  const out = document.getElementById('out');
  try {
    const rng = new Rng(1);
    const N = 32, T = 8;
    const inputs = new Tensor([N, T, 1]);
    const targets = new Tensor([N, T, 1]);
    for (let i = 0; i < N * T; i++) inputs.data[i] = rng.uniform(-1, 1);
    for (let i = 0; i < N * T; i++) targets.data[i] = i % T === 0 ? 0 : inputs.data[i - 1];
    const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1, seed: 2 });
    const history = await fitAsync(model, { inputs, targets }, { loss: mseLoss(), optimizer: adam({ lr: 0.02 }), epochs: 15, batchSize: 8 });
    let threads = 'none';
    try { await model.useThreads(2); } catch (e) { threads = e.message; }
    out.textContent = 'RESULT ' + JSON.stringify({ first: history.epochs[0].loss, last: history.epochs.at(-1).loss, threads, backend: getBackend(), shared: typeof SharedArrayBuffer === 'function' });
  } catch (e) {
    out.textContent = 'RESULT ' + JSON.stringify({ error: String(e) });
  }
</script>`;

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    return;
  }
  const file = path.join(root, path.normalize(url.pathname));
  if (!file.startsWith(path.join(root, 'dist'))) return res.writeHead(404).end();
  try {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const profile = await mkdtemp(path.join(tmpdir(), 'rnnkit-chromium-'));
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--user-data-dir=${profile}`,
  '--virtual-time-budget=60000',
  '--dump-dom',
  `http://127.0.0.1:${port}/`,
];
// Asynchronous, so this process keeps serving the page while Chromium loads it.
const chromium = await new Promise((resolve) => {
  const child = spawn('/usr/bin/chromium', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('error', (error) => resolve({ stdout, stderr, error }));
  child.on('close', () => {
    clearTimeout(timer);
    resolve({ stdout, stderr });
  });
});
server.close();
await rm(profile, { recursive: true, force: true });
const match = /RESULT (\{.*?\})/.exec(chromium.stdout ?? '');
if (!match) {
  console.error(
    'browser check: no result from Chromium',
    chromium.error?.message ?? '',
    chromium.stderr?.slice(-2000),
  );
  process.exit(1);
}
const result = JSON.parse(match[1].replace(/&quot;/g, '"'));
console.log('browser check:', result);
// The default backend in Chromium must be the WebAssembly SIMD kernels.
const ok = !result.error && result.last < 0.5 * result.first && result.backend === 'wasm';
process.exit(ok ? 0 : 1);
