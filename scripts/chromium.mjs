/**
 * What the Chromium checks share: a server on 127.0.0.1 for one page and the built library
 * (dist/), and Debian's Chromium started headless through playwright-core with the flags this
 * machine's closed network needs.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Cross-origin isolation: COOP and COEP, for pages that may share memory with workers. */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * Serves `page` at `/` and dist/ beside it; `headers(url)` adds headers to both. Returns the
 * origin and a function that stops the server.
 */
export async function servePage(page, headers = () => ({})) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const extra = headers(url);
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html', ...extra }).end(page);
      return;
    }
    const file = path.join(root, path.normalize(url.pathname));
    if (!file.startsWith(path.join(root, 'dist'))) return res.writeHead(404).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': 'text/javascript', ...extra }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { origin: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** Headless Chromium from /usr/bin/chromium. */
export function launchChromium() {
  return chromium.launch({
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
}

/**
 * Runs `page` twice, in a tab without cross-origin isolation and in one served with
 * {@link ISOLATION_HEADERS}, and returns both tabs' `globalThis.result` as `{ plain, isolated }`.
 */
export async function plainAndIsolated(page) {
  const server = await servePage(page, (url) =>
    url.searchParams.has('isolated') ? ISOLATION_HEADERS : {},
  );
  const browser = await launchChromium();
  try {
    const plain = await pageResult(browser, `${server.origin}/`);
    const isolated = await pageResult(browser, `${server.origin}/?isolated`);
    return { plain, isolated };
  } finally {
    await browser.close();
    server.close();
  }
}

/** Opens `url` in a new tab of `browser` and returns `globalThis.result` once the page sets it. */
export async function pageResult(browser, url, timeout = 300_000) {
  const tab = await browser.newPage();
  try {
    await tab.goto(url);
    await tab.waitForFunction(() => globalThis.result !== undefined, null, { timeout });
    return await tab.evaluate(() => globalThis.result);
  } finally {
    await tab.close();
  }
}
