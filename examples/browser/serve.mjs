#!/usr/bin/env node
/**
 * Serves the browser demo on 127.0.0.1 with no dependencies: the page from examples/browser/, the
 * app pages of examples/apps/ and the built library from dist/ (run `npm run build` first;
 * `npm run example:browser` does both). Every response carries the COOP/COEP headers, so the
 * pages are cross-origin isolated (`crossOriginIsolated`, `SharedArrayBuffer`).
 *
 *   node examples/browser/serve.mjs [port]     (default 8000; a free port if that one is taken)
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// onnxruntime-web (a devDependency) for the page's "Export to ONNX" button.
const SERVED = [
  'examples/browser',
  'examples/apps',
  'dist',
  'node_modules/onnxruntime-web/dist',
].map((dir) => path.join(root, dir) + path.sep);
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};
const PAGE = '/examples/browser/index.html';
/** Cross-origin isolation: the page may share memory with its workers. */
const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** The file a request path names, or null when it lies outside the served folders. */
function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const file = path.join(root, path.normalize(decoded));
  return SERVED.some((dir) => file.startsWith(dir)) ? file : null;
}

async function handle(req, res) {
  const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (pathname === '/' || pathname === '/examples/browser/') {
    res.writeHead(302, { location: PAGE, ...ISOLATION }).end();
    return;
  }
  const file = fileFor(pathname);
  if (file === null) {
    res.writeHead(404, ISOLATION).end('not found');
    return;
  }
  try {
    const body = await readFile(file);
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    res
      .writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...ISOLATION })
      .end(body);
  } catch {
    res.writeHead(404, ISOLATION).end('not found');
  }
}

/**
 * Starts the server on 127.0.0.1 (`port` 0: any free port). Resolves with the demo page's URL,
 * the server's origin and a function that closes the server.
 */
export async function startDemoServer(port = 0) {
  const server = createServer((req, res) => void handle(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: origin + PAGE,
    origin,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8000);
  const demo = await startDemoServer(port).catch((error) => {
    if (error.code !== 'EADDRINUSE') throw error;
    return startDemoServer(0);
  });
  console.log(`browser demo: ${demo.url}  (Ctrl+C stops the server)`);
}
