// The page: builds the data and the model, trains in a worker with trainInWorker, and draws the
// loss and generated text as snapshots of the weights arrive. The main thread only draws.
// The page loads the built library as it is; with a bundler, import from 'rnnkit' instead.
import { Model, Vocabulary, trainInWorker } from '../../dist/index.js';
import { toOnnx } from '../../dist/onnx.js';
import { drawLossChart } from './chart.js';
import { CORPUS, sampleCharacters, trainingWindows } from './text.js';

const STEPS = 48; // characters per training window
const STRIDE = 8; // a new window every 8 characters
const SAMPLE_EVERY_MS = 1000; // a new sample at most this often
const SAMPLE_LENGTH = 150; // characters per sample
const CHARS_PER_FRAME = 6; // sampled characters per animation frame

const EMBEDDING = 16; // features per character id

/**
 * The user's settings from the form: the text, the hidden units, the learning rate and the
 * sampling temperature. Throws a RangeError naming a value out of its range.
 */
function readSettings() {
  const text = $('text').value;
  const hidden = Number($('hidden').value);
  const lr = Number($('lr').value);
  const temperature = Number($('temperature').value);
  if (text.length < 2 * STEPS)
    throw new RangeError(`the text has ${text.length} characters, expected at least ${2 * STEPS}`);
  if (!Number.isInteger(hidden) || hidden < 4 || hidden > 256)
    throw new RangeError(`hidden units is ${$('hidden').value}, expected an integer in [4, 256]`);
  if (!(lr > 0 && lr <= 1))
    throw new RangeError(`learning rate is ${$('lr').value}, expected (0, 1]`);
  if (!(temperature >= 0 && temperature <= 2))
    throw new RangeError(`temperature is ${$('temperature').value}, expected [0, 2]`);
  return { text, hidden, lr, temperature };
}

/** The vocabulary, windows and models for `settings`: every character of the text is a token id. */
function setUp(settings) {
  const vocab = Vocabulary.fromText(settings.text, { padding: null });
  const options = {
    cell: 'gru',
    embedding: { vocabSize: vocab.size, dim: EMBEDDING },
    inputSize: EMBEDDING,
    hiddenSize: settings.hidden,
    outputSize: vocab.size,
    seed: 1,
  };
  return {
    settings,
    vocab,
    data: trainingWindows(vocab.encode(settings.text), STEPS, STRIDE),
    model: new Model(options), // trained in the worker; its weights follow every snapshot
    sampler: new Model(options), // holds the weights of the sample being written
  };
}

const $ = (id) => document.getElementById(id);
$('text').value = CORPUS;
let run = setUp(readSettings());
const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });

/** What the page shows; the end-to-end test reads it as `window.demo`. */
const state = {
  status: 'starting',
  losses: [], // every batch's loss
  epochs: [], // { batch, loss }: each epoch's mean loss and the batch count at its end
  samples: [], // { epoch, loss, text, done }, oldest first
  maxFrameGap: 0, // longest time between two animation frames while training, in ms
  maxPause: 0, // longest time the main thread could not run a 10 ms timer while training, in ms
  longestTask: 0, // longest task on the main thread while training, in ms (Chromium reports those over 50 ms)
  frames: 0,
  restarts: 0, // runs started from the form's text and settings
  vocabSize: 0, // token ids of the current run
  error: null,
  onnx: null, // { bytes, ms, maxDiff, sameNext }: the last export run in onnxruntime-web
};
window.demo = state;

const button = $('toggle');
let training = null;
let trainingSince = 0;
let lastSampleAt = -Infinity;
let writing = null; // { sample, characters }: the sample being written, a few characters a frame

function start() {
  state.status = 'training';
  trainingSince = performance.now();
  button.textContent = 'Stop';
  training = trainInWorker(worker, run.model, {
    data: run.data,
    settings: { lr: run.settings.lr, epochs: 100_000, batchSize: 32, seed: state.epochs.length },
    onBatch: (info) => state.losses.push(info.loss),
    onEpoch: (info) => state.epochs.push({ batch: state.losses.length, loss: info.loss }),
  });
  training.done.then(
    () => {
      state.status = 'stopped';
      button.textContent = 'Continue';
      button.disabled = false;
    },
    (error) => {
      state.status = 'error';
      state.error = String(error);
      button.disabled = true;
    },
  );
}

/** Starts a sample from the latest weights (when the last one is written and a second passed). */
function startSample(now) {
  if (writing !== null || state.epochs.length === 0 || now - lastSampleAt < SAMPLE_EVERY_MS) return;
  lastSampleAt = now;
  const { sampler, vocab } = run;
  sampler.loadStateDict(run.model.stateDict());
  const prompt = 'the ';
  const loss = state.epochs.at(-1).loss;
  const sample = { epoch: state.epochs.length, loss, text: prompt, done: false };
  state.samples.push(sample);
  const characters = sampleCharacters(sampler, vocab, {
    prompt,
    temperature: run.settings.temperature,
    seed: state.samples.length,
  });
  writing = { sample, characters };
  showSamples();
}

function writeSample() {
  if (writing === null) return;
  const { sample, characters } = writing;
  for (let i = 0; i < CHARS_PER_FRAME && sample.text.length < SAMPLE_LENGTH; i++)
    sample.text += characters.next().value;
  $('samples').firstElementChild.lastElementChild.textContent = sample.text;
  if (sample.text.length >= SAMPLE_LENGTH) {
    sample.done = true;
    writing = null;
  }
}

function showSamples() {
  // The newest sample, then samples 1, 2, 4, 8, ... (newest first) to show the progress.
  const newest = state.samples.length - 1;
  const items = state.samples
    .filter((_, i) => i === newest || ((i + 1) & i) === 0)
    .slice(-6)
    .reverse()
    .map((s) => {
      const item = document.createElement('li');
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = `after epoch ${s.epoch}, loss ${s.loss.toFixed(2)}`;
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = s.text;
      item.append(label, text);
      return item;
    });
  $('samples').replaceChildren(...items);
}

/**
 * Exports the page's model (the latest weights) with toOnnx and runs the file in onnxruntime-web
 * (wasm, one thread) on the first window of the text: the logits should be rnnkit's.
 */
async function runOnnx() {
  $('onnx').disabled = true;
  setText('onnx-status', 'exporting');
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
    const { model, vocab, settings } = run;
    const V = vocab.size;
    const ids = Array.from(vocab.encode(settings.text.slice(0, STEPS)));
    const bytes = toOnnx(model);
    const want = model.predict([ids]).data; // [1, T, V], before the worker's next snapshot
    const start = performance.now();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const input = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const got = (await session.run({ input })).output.data;
    const ms = performance.now() - start;
    let maxDiff = got.length === want.length ? 0 : Infinity;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    const argmax = (a, t) =>
      a.slice(t * V, (t + 1) * V).reduce((m, x, j, r) => (x > r[m] ? j : m), 0);
    let sameNext = 0;
    for (let t = 0; t < ids.length; t++) sameNext += argmax(got, t) === argmax(want, t) ? 1 : 0;
    state.onnx = { bytes: bytes.length, ms, maxDiff, sameNext, steps: ids.length };
    setText(
      'onnx-status',
      `${(bytes.length / 1024).toFixed(1)} KB file, session and run ${ms.toFixed(0)} ms; ` +
        `logits within ${maxDiff.toExponential(1)} of rnnkit's, same next character at ${sameNext}/${ids.length} steps`,
    );
  } catch (error) {
    state.onnx = { error: String(error) };
    setText('onnx-status', String(error));
  } finally {
    $('onnx').disabled = false;
  }
}
$('onnx').addEventListener('click', runOnnx);

button.addEventListener('click', () => {
  if (state.status === 'training') {
    button.disabled = true;
    button.textContent = 'Stopping';
    training.stop();
  } else if (state.status === 'stopped') start();
});

// "Train on this text": stops the run, builds a new model for the form's text and settings.
$('restart').addEventListener('click', async () => {
  let settings;
  try {
    settings = readSettings();
  } catch (error) {
    setText('problem', error.message);
    return;
  }
  setText('problem', '');
  $('restart').disabled = true;
  if (state.status === 'training') {
    training.stop();
    await training.done.catch(() => undefined);
  }
  run = setUp(settings);
  writing = null;
  lastSampleAt = -Infinity;
  state.losses = [];
  state.epochs = [];
  state.samples = [];
  state.restarts++;
  drawnBatches = -1;
  showSetup();
  showSamples();
  $('restart').disabled = false;
  start();
});

// Every animation frame: measure the gap since the last one, write a few sampled characters,
// redraw the chart and the status line.
let lastFrame = performance.now();
let drawnBatches = -1;
function frame(now) {
  if (state.status === 'training' && now - trainingSince > 500)
    state.maxFrameGap = Math.max(state.maxFrameGap, now - lastFrame);
  lastFrame = now;
  state.frames++;
  startSample(now);
  writeSample();
  if (state.losses.length !== drawnBatches) {
    drawnBatches = state.losses.length;
    drawLossChart($('chart'), state.losses, state.epochs);
  }
  showStatus(now);
  requestAnimationFrame(frame);
}

// A heartbeat every 10 ms: a late beat means the main thread was busy (or not scheduled).
let lastBeat = performance.now();
setInterval(() => {
  const now = performance.now();
  if (state.status === 'training' && now - trainingSince > 500)
    state.maxPause = Math.max(state.maxPause, now - lastBeat - 10);
  lastBeat = now;
}, 10);

// Tasks of 50 ms or more on the main thread, where the browser reports them (Long Tasks API).
if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const task of list.getEntries())
      if (state.status === 'training' && task.startTime - trainingSince > 500)
        state.longestTask = Math.max(state.longestTask, task.duration);
  }).observe({ type: 'longtask' });
}

function showStatus(now) {
  const loss = state.epochs.at(-1)?.loss;
  const parts = [
    state.status,
    `epoch ${state.epochs.length}`,
    `${state.losses.length} batches`,
    `loss ${loss === undefined ? '-' : loss.toFixed(3)}`,
  ];
  if (state.status === 'training') parts.push(`${((now - trainingSince) / 1000).toFixed(1)} s`);
  if (state.error) parts.push(state.error);
  setText('status', parts.join(' · '));
  setText('task', `${Math.round(state.longestTask)} ms`);
  setText('pause', `${Math.round(state.maxPause)} ms`);
  setText('gap', `${Math.round(state.maxFrameGap)} ms`);
}

/** Changes an element's text only when it differs, so an unchanged frame repaints nothing. */
function setText(id, text) {
  const element = $(id);
  if (element.textContent !== text) element.textContent = text;
}

function showSetup() {
  const { model, data, vocab, settings } = run;
  state.vocabSize = vocab.size;
  $('setup').textContent =
    `${EMBEDDING}-feature embedding, GRU of ${settings.hidden} units, ${model.parameterCount} parameters; ` +
    `${data.inputs.shape[0]} windows of ${STEPS} characters from a ${settings.text.length}-character text, ` +
    `${vocab.size} token ids.`;
}

showSetup();
requestAnimationFrame(frame);
start();
