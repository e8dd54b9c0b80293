// Text for a character-level model: the corpus, training windows of token ids and sampling one
// character at a time. The vocabulary (Vocabulary) and the draws (Sampler) are the library's; a
// model with an `embedding` takes the ids as they are, so nothing here is one-hot.
import { Rng, Sampler, Tensor } from '../../dist/index.js';

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
 * Training windows of `steps` token ids taken every `stride` tokens: the input is `[N, steps]`
 * ids, the target the id of the next token at each step (`[N, steps]`).
 * @param {Int32Array} ids
 * @param {number} steps
 * @param {number} stride
 */
export function trainingWindows(ids, steps, stride) {
  const N = Math.floor((ids.length - steps - 1) / stride) + 1;
  const inputs = new Tensor([N, steps]);
  const targets = new Tensor([N, steps]);
  for (let n = 0; n < N; n++) {
    inputs.data.set(ids.subarray(n * stride, n * stride + steps), n * steps);
    targets.data.set(ids.subarray(n * stride + 1, n * stride + steps + 1), n * steps);
  }
  return { inputs, targets };
}

/**
 * Text from `model`, one character at a time: feeds `prompt` through a stream, then yields sampled
 * characters for ever, each fed back as the next input. A caller takes a few per animation frame,
 * so the page never waits for a whole sample. The stream and the sampler own their buffers: a
 * step allocates nothing.
 * @param {import('../../dist/index.js').Model} model
 * @param {import('../../dist/index.js').Vocabulary} vocab
 * @param {{ prompt: string, temperature: number, seed: number }} options
 * @returns {Generator<string, never, void>}
 */
export function* sampleCharacters(model, vocab, { prompt, temperature, seed }) {
  const rng = new Rng(seed);
  const sampler = new Sampler(vocab.size, { temperature });
  const stream = model.createStream(1);
  const id = new Int32Array(1);
  const feed = (token) => {
    id[0] = token;
    return stream.step(id);
  };
  let logits = null;
  for (const token of vocab.encode(prompt)) logits = feed(token);
  for (;;) {
    const next = sampler.sample(logits, rng);
    yield vocab.decode([next]);
    logits = feed(next);
  }
}
