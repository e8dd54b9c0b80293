import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

interface DemoServer {
  url: string;
  close(): Promise<void>;
}

const script = pathToFileURL(path.resolve('examples/browser/serve.mjs')).href;
let server: DemoServer;
let origin: string;

beforeAll(async () => {
  const { startDemoServer } = (await import(script)) as {
    startDemoServer: (port?: number) => Promise<DemoServer>;
  };
  server = await startDemoServer(0);
  origin = new URL(server.url).origin;
});
afterAll(() => server.close());

const get = (pathname: string): Promise<Response> =>
  fetch(origin + pathname, { redirect: 'manual' });

describe('the browser demo server', () => {
  it('listens on 127.0.0.1 and serves the page with its content type', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/examples\/browser\/index\.html$/);
    const page = await get('/examples/browser/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="./main.js">');
    const script = await get('/examples/browser/main.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('sends the COOP/COEP headers, so the pages are cross-origin isolated', async () => {
    for (const pathname of [
      '/examples/browser/index.html',
      '/examples/apps/save-load.html',
      '/nope',
    ]) {
      const r = await get(pathname);
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    }
  });

  it('sends / to the page', async () => {
    const root = await get('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/examples/browser/index.html');
  });

  it("serves onnxruntime-web's files for the ONNX button, WebAssembly with its type", async () => {
    const wasm = await get('/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm');
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect((await get('/node_modules/onnxruntime-web/package.json')).status).toBe(404);
    expect((await get('/node_modules/onnxruntime-node/dist/index.js')).status).toBe(404);
  });

  it('serves nothing outside examples/browser, dist and onnxruntime-web/dist', async () => {
    for (const pathname of [
      '/package.json',
      '/src/index.ts',
      '/dist/../package.json',
      '/dist/%2e%2e/package.json',
      '/examples/browser/%2e%2e/%2e%2e/package.json',
      '/examples/browser-other/x.js',
      '/%E0%A4%A',
    ])
      expect((await get(pathname)).status, pathname).toBe(404);
  });
});
