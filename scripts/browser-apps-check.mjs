#!/usr/bin/env node
/**
 * Runs the browser app examples/apps/save-load.html in headless Chromium, driven by
 * playwright-core: the page trains a small model, saves it in IndexedDB and loads it back; a
 * second visit (`#load`) only loads it. Exits non-zero unless the loaded model predicts the same
 * as the saved one, in the page and across the two visits.
 *
 *   npm run build && node scripts/browser-apps-check.mjs   (needs /usr/bin/chromium, or CHROMIUM)
 */
/* global document -- read inside the page, in page.waitForFunction */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemoServer } from '../examples/browser/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist', 'index.js'))) {
  console.error('browser apps check: no dist/index.js; run npm run build first');
  process.exit(1);
}
const server = await startDemoServer(0);
const profile = await mkdtemp(path.join(tmpdir(), 'rnnkit-apps-chromium-'));
const problems = [];
let browser = null;
/** Opens `url` in a new page and returns the text of its #out once it holds RESULT. */
async function visit(url) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(
    () => document.getElementById('out').textContent.includes('RESULT'),
    null,
    {
      timeout: 60_000,
    },
  );
  const text = await page.textContent('#out');
  await page.close();
  return text;
}
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  });
  const page = `${server.origin}/examples/apps/save-load.html`;
  const first = await visit(page);
  const second = await visit(`${page}#load`);
  const result = (text) => text.slice(text.indexOf('RESULT ') + 7);
  console.log(`first visit: ${first.replace(/\n/g, ' | ')}\nsecond visit (#load): ${second}`);
  if (!first.includes('same predictions: true'))
    problems.push('the loaded model predicts otherwise');
  if (second.includes('saved and loaded back'))
    problems.push('the second visit found nothing saved');
  if (result(first) !== result(second)) problems.push('the second visit loaded another model');
} catch (error) {
  problems.push(String(error));
} finally {
  await browser?.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`browser apps check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  'browser apps check: saved to IndexedDB, loaded back in the page and on a second visit',
);
