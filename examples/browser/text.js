// Text for a character-level model: the corpus, the vocabulary, one-hot training windows and
// sampling one character at a time from a stream. These are plain functions over the public
// API (Tensor, Rng, Model.createStream), kept in this one file so a text helper can replace them.
import { Rng, Tensor } from '../../dist/index.js';

/** The training text: short plain sentences, lower case, so a small model learns it quickly. */
export const CORPUS = [
  'the tide comes in and the tide goes out. the boats rest on the sand and wait for the sea.',
  'in the morning the fishers walk down to the water. they pull the nets and count the fish.',
  'the wind turns to the west and the rain comes over the hill. the gulls sit on the roofs.',
  'at noon the sea is calm and the light is bright. the children run along the wall.',
  'in the evening the lamps are lit and the boats come home. the harbour is full and quiet.',
  'the old man mends a net by the door. he knows the names of the rocks and the winds.',
  'the tide comes in at night and the water shines under the moon. the town is asleep.',
  'when the storm comes the waves break on the wall and the boats stay in the harbour.',
  'after the storm the sky is clear and the sea is green. the fishers go out again.',
  'the gulls follow the boats and cry over the water. the nets come up full of fish.',
].join(' ');

/**
 * The characters of `text`, sorted, and a lookup from character to index.
 * @param {string} text
 * @returns {{ chars: string[], index: Map<string, number> }}
 */
export function vocabulary(text) {
  const chars = [...new Set(text)].sort();
  return { chars, index: new Map(chars.map((c, i) => [c, i])) };
}

/**
 * Training windows of `steps` characters taken every `stride` characters: the input is each
 * character one-hot (`[N, steps, V]`), the target the index of the next one (`[N, steps]`).
 * @param {string} text
 * @param {{ chars: string[], index: Map<string, number> }} vocab
 * @param {number} steps
 * @param {number} stride
 */
export function trainingWindows(text, vocab, steps, stride) {
  const V = vocab.chars.length;
  const N = Math.floor((text.length - steps - 1) / stride) + 1;
  const inputs = new Tensor([N, steps, V]);
  const targets = new Tensor([N, steps]);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < steps; t++) {
      const at = n * stride + t;
      inputs.data[(n * steps + t) * V + vocab.index.get(text[at])] = 1;
      targets.data[n * steps + t] = vocab.index.get(text[at + 1]);
    }
  }
  return { inputs, targets };
}

/**
 * Draws an index from the softmax of `logits / temperature`.
 * @param {ArrayLike<number>} logits
 * @param {number} temperature
 * @param {Rng} rng
 */
export function sampleIndex(logits, temperature, rng) {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const weights = Array.from(logits, (z) => Math.exp((z - max) / temperature));
  let u = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u <= 0) return i;
  }
  return weights.length - 1;
}

/**
 * Text from `model`, one character at a time: feeds `prompt` through a stream, then yields sampled
 * characters for ever, each fed back as the next input. A caller takes a few per animation frame,
 * so the page never waits for a whole sample. The stream owns its buffers: a step allocates nothing.
 * @param {import('../../dist/index.js').Model} model
 * @param {{ chars: string[], index: Map<string, number> }} vocab
 * @param {{ prompt: string, temperature: number, seed: number }} options
 * @returns {Generator<string, never, void>}
 */
export function* sampleCharacters(model, vocab, { prompt, temperature, seed }) {
  const rng = new Rng(seed);
  const stream = model.createStream(1);
  const x = new Float32Array(vocab.chars.length);
  const feed = (index) => {
    x.fill(0);
    x[index] = 1;
    return stream.step(x);
  };
  let logits = null;
  for (const c of prompt) logits = feed(vocab.index.get(c) ?? 0);
  for (;;) {
    const next = sampleIndex(logits, temperature, rng);
    yield vocab.chars[next];
    logits = feed(next);
  }
}
