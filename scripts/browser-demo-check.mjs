#!/usr/bin/env node
/**
 * End-to-end check of the browser demo (examples/browser/) in headless Chromium, driven by
 * playwright-core: the page trains a character model in a Web Worker; this script lets it train,
 * then checks that the loss fell, generated text appeared and the page stayed responsive (a 10 ms
 * timer on the main thread was never late by 200 ms or more, and frames kept being drawn), clicks
 * Stop and checks that training ended. Exits non-zero otherwise. The longest gap between animation
 * frames is printed too.
 *
 *   npm run build && node scripts/browser-demo-check.mjs [--seconds 12] [--screenshot file.png]
 *
 * Needs Debian's chromium (/usr/bin/chromium, or the path in CHROMIUM).
 */
/* global window -- read inside the page, in page.evaluate and page.waitForFunction */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startDemoServer } from '../examples/browser/serve.mjs';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '12' }, screenshot: { type: 'string' } },
});
const trainSeconds = Number(args.seconds);
const MAX_PAUSE_MS = 200;

const server = await startDemoServer(0);
const profile = await mkdtemp(path.join(tmpdir(), 'rnnkit-demo-chromium-'));
let browser = null;
const problems = [];
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 900, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(server.url);
  await page.waitForFunction(() => window.demo?.status === 'training', null, { timeout: 10_000 });
  await page.waitForTimeout(trainSeconds * 1000);
  const during = await page.evaluate(() => ({
    status: window.demo.status,
    error: window.demo.error,
    epochs: window.demo.epochs.map((e) => e.loss),
    batches: window.demo.losses.length,
    samples: window.demo.samples.filter((s) => s.done).map((s) => s.text),
    maxFrameGap: window.demo.maxFrameGap,
    maxPause: window.demo.maxPause,
    frames: window.demo.frames,
  }));
  if (args.screenshot) await page.screenshot({ path: args.screenshot, fullPage: true });
  await page.click('#toggle');
  await page.waitForFunction(() => window.demo.status === 'stopped', null, { timeout: 10_000 });
  const batchesAtStop = await page.evaluate(() => window.demo.losses.length);
  await page.waitForTimeout(500);
  const batchesLater = await page.evaluate(() => window.demo.losses.length);

  const first = during.epochs[0];
  const last = during.epochs.at(-1);
  const result = {
    status: during.status,
    epochs: during.epochs.length,
    batches: during.batches,
    firstEpochLoss: round(first),
    lastEpochLoss: round(last),
    samples: during.samples.length,
    lastSample: during.samples.at(-1),
    maxPauseMs: round(during.maxPause),
    maxFrameGapMs: round(during.maxFrameGap),
    frames: during.frames,
    batchesAfterStop: batchesLater - batchesAtStop,
  };
  console.log('browser demo check:', JSON.stringify(result, null, 2));
  if (during.status !== 'training') problems.push(`status ${during.status}: ${during.error}`);
  if (!(during.epochs.length >= 3 && last < 0.8 * first))
    problems.push(`the loss did not fall by a fifth: ${first} -> ${last}`);
  if (!(during.samples.length >= 2 && during.samples.at(-1).length > 100))
    problems.push('no generated text');
  if (!(during.maxPause < MAX_PAUSE_MS))
    problems.push(`the main thread paused for ${during.maxPause} ms while training`);
  if (during.frames < trainSeconds * 20) problems.push(`only ${during.frames} frames drawn`);
  if (batchesLater !== batchesAtStop) problems.push('training went on after Stop');
} catch (error) {
  problems.push(String(error));
} finally {
  await browser?.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error('browser demo check failed:\n  ' + problems.join('\n  '));
  process.exit(1);
}

function round(x) {
  return x === undefined ? x : Math.round(x * 1000) / 1000;
}
