#!/usr/bin/env node
/**
 * End-to-end check of the browser demo (examples/browser/) in headless Chromium, driven by
 * playwright-core: the page trains a character model in a Web Worker; this script lets it train,
 * then checks that the loss fell, generated text appeared and the page stayed responsive, clicks
 * Stop and checks that training ended, clicks "Export to ONNX" (the trained model's file runs in
 * onnxruntime-web with rnnkit's logits), then Continue (training resumes from the weights
 * reached) and Stop again.
 *
 * Responsive means: a 10 ms timer on the page's main thread was never late by 200 ms more than a
 * 10 ms timer in this process over the same time (on a busy machine both wait for a core; on an
 * idle one this process's is a few ms late), and frames kept being drawn (20 a second on average).
 * The longest main-thread task (Long Tasks API) and the longest gap between frames are printed.
 * Exits non-zero when a check fails.
 *
 *   npm run build && node scripts/browser-demo-check.mjs [--seconds 12] [--screenshot file.png]
 *
 * Needs Debian's chromium (/usr/bin/chromium, or the path in CHROMIUM).
 */
/* global window, document -- read inside the page, in page.evaluate and page.waitForFunction */
/* global performance, setInterval, clearInterval -- Node globals the lint config does not list */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startDemoServer } from '../examples/browser/serve.mjs';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '12' }, screenshot: { type: 'string' } },
});
const trainSeconds = Number(args.seconds);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The user's own text typed into the page: characters the default text does not have. */
const OWN_TEXT = 'ZYX wvu ZYX wvu QQ. '.repeat(30);
const MAX_PAUSE_MS = 200; // longest pause of the page's 10 ms timer, beyond this process's own

if (!existsSync(path.join(root, 'dist', 'index.js'))) {
  console.error('browser demo check: no dist/index.js; run npm run build first');
  process.exit(1);
}
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
  // The server's COOP/COEP headers make the page cross-origin isolated.
  if (!(await page.evaluate(() => window.crossOriginIsolated)))
    problems.push('the demo page is not cross-origin isolated (COOP/COEP headers missing)');
  await page.waitForFunction(() => window.demo?.status === 'training', null, { timeout: 10_000 });
  const ownPause = await heartbeat(trainSeconds * 1000);
  const during = await page.evaluate(() => ({
    status: window.demo.status,
    error: window.demo.error,
    epochs: window.demo.epochs.map((e) => e.loss),
    batches: window.demo.losses.length,
    samples: window.demo.samples.filter((s) => s.done).map((s) => s.text),
    maxFrameGap: window.demo.maxFrameGap,
    maxPause: window.demo.maxPause,
    longestTask: window.demo.longestTask,
    frames: window.demo.frames,
  }));
  if (args.screenshot) await page.screenshot({ path: args.screenshot, fullPage: true });
  await page.click('#toggle');
  await page.waitForFunction(() => window.demo.status === 'stopped', null, { timeout: 10_000 });
  const batchesAtStop = await page.evaluate(() => window.demo.losses.length);
  // Export to ONNX: the trained model's file runs in onnxruntime-web with rnnkit's logits.
  await page.click('#onnx');
  await page.waitForFunction(() => window.demo.onnx !== null, null, { timeout: 30_000 });
  const onnx = await page.evaluate(() => window.demo.onnx);
  await page.waitForTimeout(500);
  const batchesLater = await page.evaluate(() => window.demo.losses.length);
  // Continue: training resumes from the weights reached, so its first epoch starts low.
  const epochsAtStop = await page.evaluate(() => window.demo.epochs.length);
  await page.click('#toggle');
  await page.waitForFunction((n) => window.demo.epochs.length > n, epochsAtStop, {
    timeout: 20_000,
  });
  const resumedLoss = await page.evaluate((n) => window.demo.epochs[n].loss, epochsAtStop);
  await page.click('#toggle');
  await page.waitForFunction(() => window.demo.status === 'stopped', null, { timeout: 10_000 });

  // The user's own text and settings: a bad value is named and changes nothing; a good one
  // starts a new model on that text (its vocabulary: the text's characters) that learns it.
  await page.click('#own summary');
  await page.fill('#hidden', '1000');
  await page.click('#restart');
  const refused = await page.textContent('#problem');
  const restartsBefore = await page.evaluate(() => window.demo.restarts);
  await page.fill('#hidden', '32');
  await page.fill('#lr', '0.02');
  await page.fill('#text', OWN_TEXT);
  await page.click('#restart');
  await page.waitForFunction(() => window.demo.epochs.length >= 4, null, { timeout: 60_000 });
  const own = await page.evaluate(() => ({
    restarts: window.demo.restarts,
    vocabSize: window.demo.vocabSize,
    epochs: window.demo.epochs.map((e) => e.loss),
    setup: document.getElementById('setup').textContent,
  }));
  await page.click('#toggle');
  await page.waitForFunction(() => window.demo.status === 'stopped', null, { timeout: 10_000 });

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
    longestTaskMs: round(during.longestTask),
    maxPauseMs: round(during.maxPause),
    maxFrameGapMs: round(during.maxFrameGap),
    checkProcessMaxPauseMs: round(ownPause),
    frames: during.frames,
    batchesAfterStop: batchesLater - batchesAtStop,
    lossAfterContinue: round(resumedLoss),
    onnx,
    ownTextRefused: refused,
    ownTextSetup: own.setup,
    ownTextEpochLosses: own.epochs.map(round),
  };
  console.log('browser demo check:', JSON.stringify(result, null, 2));
  if (during.status !== 'training') problems.push(`status ${during.status}: ${during.error}`);
  if (!(during.epochs.length >= 3 && last < 0.8 * first))
    problems.push(`the loss did not fall by a fifth: ${first} -> ${last}`);
  if (!(during.samples.length >= 2 && during.samples.at(-1).length > 100))
    problems.push('no generated text');
  if (!(during.maxPause < MAX_PAUSE_MS + ownPause))
    problems.push(
      `the main thread paused for ${during.maxPause} ms while training, while this process's ` +
        `own 10 ms timer was at most ${round(ownPause)} ms late`,
    );
  if (during.frames < trainSeconds * 20) problems.push(`only ${during.frames} frames drawn`);
  if (batchesLater !== batchesAtStop) problems.push('training went on after Stop');
  if (onnx.error || !(onnx.maxDiff < 1e-4) || onnx.sameNext !== onnx.steps)
    problems.push(
      `the ONNX export in onnxruntime-web differs from rnnkit: ${JSON.stringify(onnx)}`,
    );
  if (!(resumedLoss < 0.8 * first))
    problems.push(`Continue did not resume from the trained weights: loss ${resumedLoss}`);
  if (!/hidden units is 1000/.test(refused) || restartsBefore !== 0)
    problems.push(`a bad setting was not refused: '${refused}'`);
  if (own.restarts !== 1 || own.vocabSize !== new Set(OWN_TEXT).size + 1)
    problems.push(`the own text did not start a new model: ${JSON.stringify(own)}`);
  if (!own.setup.includes('GRU of 32 units'))
    problems.push(`the own settings were not used: ${own.setup}`);
  if (!(own.epochs.at(-1) < own.epochs[0]))
    problems.push(`the loss on the own text did not fall: ${own.epochs.join(', ')}`);
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

/** Waits `ms` while running a 10 ms timer; resolves with the most it was late, in ms. */
function heartbeat(ms) {
  return new Promise((resolve) => {
    let last = performance.now();
    let max = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      max = Math.max(max, now - last - 10);
      last = now;
    }, 10);
    setTimeout(() => {
      clearInterval(timer);
      resolve(max);
    }, ms);
  });
}
