/**
 * A character-level language model trained with truncated BPTT on text that ships with this
 * repository (its README and TypeScript sources). Four times per pass over the text it prints
 * the validation perplexity beside the character-frequency (unigram) baseline, and samples at a
 * few temperatures. Exits non-zero unless the perplexity ends below half the baseline.
 *
 *   npm run example:chars                  (six passes over 160,000 characters, under a minute)
 *   npm run example:chars -- --epochs 1    (one pass)
 *   npm run example:chars -- --chars 60000 (a shorter pass)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Model,
  Vocabulary,
  adam,
  crossEntropyLoss,
  evaluate,
  fit,
  generateText,
  nextTokenData,
} from 'rnnkit';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '6' },
    chars: { type: 'string', default: '160000' },
  },
});
const EPOCHS = Number(args.epochs);
const ROWS = 32; // parallel streams per batch
const CHUNK = 64; // truncated BPTT: steps per update
// Characters trained on per epoch and held out, so the run time stays put as the sources grow.
const TRAIN_CHARS = Number(args.chars);
const VALIDATION_CHARS = 30_000;
const PROMPT = 'export function ';

/** README.md and every .ts file under src/, in a fixed order. */
function corpus(): string {
  const files: string[] = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(path);
    }
  };
  walk(join(root, 'src'));
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

/** Perplexity on `ids` of the character frequencies counted on `train` (add-one smoothed). */
function unigramPerplexity(train: Int32Array, ids: Int32Array, V: number): number {
  const counts = new Float64Array(V).fill(1);
  for (const id of train) counts[id]++;
  const total = train.length + V;
  let nll = 0;
  for (const id of ids) nll -= Math.log(counts[id] / total);
  return Math.exp(nll / ids.length);
}

const started = performance.now();
const text = corpus();
const vocab = Vocabulary.fromText(text, { unknown: null, padding: null });
const ids = vocab.encode(text);
const cut = Math.floor(ids.length * 0.9);
const trainIds = ids.subarray(0, Math.min(cut, TRAIN_CHARS));
const valIds = ids.subarray(cut, cut + VALIDATION_CHARS);
const baseline = unigramPerplexity(trainIds, valIds, vocab.size);
const train = nextTokenData(trainIds, ROWS); // ids [ROWS, L] and the next ids
const validation = nextTokenData(valIds, 8);
console.log(
  `${ids.length} characters (${vocab.size} distinct), ${trainIds.length} to train on in ${ROWS} streams, ` +
    `${valIds.length} held out; unigram perplexity ${baseline.toFixed(2)}`,
);

const model = new Model({
  cell: 'gru',
  embedding: { vocabSize: vocab.size, dim: 32 },
  inputSize: 32,
  hiddenSize: 128,
  outputSize: vocab.size,
  seed: 1,
});
const updatesPerEpoch = Math.ceil(train.targets.shape[1] / CHUNK);
const checkpoints = [1, 2, 3, 4].map((q) => Math.ceil((q * updatesPerEpoch) / 4) - 1);
let perplexity = Infinity;

/** Validation perplexity (chunk by chunk, the state carried) and samples at three temperatures. */
function report(epoch: number, update: number): void {
  const r = evaluate(model, validation, crossEntropyLoss(), {
    batchSize: 8,
    tbptt: CHUNK,
    metrics: ['perplexity'],
  });
  perplexity = r.metrics.perplexity ?? NaN;
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `\nepoch ${epoch + 1}, update ${update + 1}/${updatesPerEpoch}: validation perplexity ` +
      `${perplexity.toFixed(2)} (unigram ${baseline.toFixed(2)}), ${seconds} s`,
  );
  for (const temperature of [0.5, 0.8, 1]) {
    const sample = generateText(model, vocab, PROMPT, 100, { temperature, seed: 1 });
    console.log(`  T=${temperature}: ${JSON.stringify(PROMPT + sample)}`);
  }
}

fit(model, train, {
  loss: crossEntropyLoss(),
  optimizer: adam({ lr: 0.008 }),
  clip: { maxNorm: 1 },
  epochs: EPOCHS,
  batchSize: ROWS,
  shuffle: false,
  tbptt: CHUNK,
  onBatch: (b) => {
    if (checkpoints.includes(b.batch)) report(b.epoch, b.batch);
  },
});

const ratio = perplexity / baseline;
console.log(
  `\nvalidation perplexity ${perplexity.toFixed(2)} = ${ratio.toFixed(2)} x the unigram baseline` +
    ` (goal: below 0.5) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
if (!(ratio < 0.5)) process.exit(1);
