import { Rng } from '../tensor/rng.js';
import { checkInt, checkKeys, describe } from '../tensor/errors.js';
import { Sampler, type SamplingOptions } from '../text/sampling.js';
import type { Vocabulary } from '../text/vocabulary.js';
import type { Model } from './model.js';
import { MAX_GENERATE_LENGTH } from './caps.js';
import { readsFromEnd } from './options.js';

/**
 * Options of {@link generate}: how to sample, and from which seed.
 * @category Text
 */
export interface GenerateOptions extends SamplingOptions {
  /** Seed of the generator that draws the tokens (default 0); equal seeds give equal tokens. */
  seed?: number;
  /** Write the tokens here (at least `length` long) instead of a new array. */
  out?: Int32Array;
}

/**
 * Generates `length` token ids from a language model: a stream of batch 1 is primed with the
 * `prompt` ids one step at a time, then each step's output (logits over the vocabulary) gives the
 * next token, fed back as the next input. Greedy with `temperature: 0`, else sampled (softmax with
 * temperature, optional top-k / top-p) from a generator seeded by `seed`, so equal seeds give
 * equal tokens.
 *
 * The model takes token ids (an `embedding`) or one-hot vectors (`inputSize` = vocabulary size),
 * and its output at every step has one logit per token. Everything (stream, sampler, one-hot
 * buffer, result) is allocated before the first step; nothing is allocated per step.
 * @throws TypeError/RangeError for a model that is not a token model, an empty prompt, an id out
 * of range, a length above {@link MAX_GENERATE_LENGTH} (2^24) or invalid options; RangeError when
 * the model's output at a step is not finite logits (nothing more is generated; `out` may hold
 * the tokens before it).
 * @example
 * ```ts
 * import { Model, generate } from 'rnnkit';
 * const model = new Model({
 *   cell: 'gru', inputSize: 8, hiddenSize: 16, outputSize: 10, embedding: { vocabSize: 10, dim: 8 },
 * });
 * const ids = generate(model, [1, 2, 3], 5, { temperature: 0.8, seed: 1 });
 * console.log(ids.length); // 5 token ids in [0, 10)
 * ```
 * @category Text
 */
export function generate(
  model: Model,
  prompt: ArrayLike<number>,
  length: number,
  options: GenerateOptions = {},
): Int32Array {
  checkKeys('generate options', options, ['temperature', 'topK', 'topP', 'seed', 'out']);
  const V = vocabularySize(model);
  checkInt('length', length, 0);
  if (length > MAX_GENERATE_LENGTH)
    throw new RangeError(`length is ${length}, expected at most ${MAX_GENERATE_LENGTH} tokens`);
  checkPrompt(prompt, V);
  const out = options.out ?? new Int32Array(length);
  if (!(out instanceof Int32Array) || out.length < length)
    throw new RangeError(`out is ${describe(out)}, expected an Int32Array of at least ${length}`);
  const { seed, out: _out, ...sampling } = options;
  const sampler = new Sampler(V, sampling);
  const rng = new Rng(seed ?? 0);
  const stream = model.createStream(1);
  const tokens = model.options.embedding !== null;
  const x = new Float64Array(tokens ? 1 : model.options.inputSize);
  const feed = (id: number): ArrayLike<number> => {
    if (tokens) x[0] = id;
    else {
      x.fill(0);
      x[id] = 1;
    }
    return stream.step(x);
  };
  let logits: ArrayLike<number> = x;
  for (let i = 0; i < prompt.length; i++) logits = feed(prompt[i]);
  for (let i = 0; i < length; i++) {
    out[i] = sampleStep(sampler, logits, rng, i);
    if (i + 1 < length) logits = feed(out[i]);
  }
  return out;
}

/**
 * {@link generate} on text: encodes `prompt` with `vocabulary`, generates `length` tokens and
 * decodes them (the prompt is not repeated in the result).
 * @throws as {@link generate}; RangeError when the vocabulary's size is not the model's output size.
 * @example
 * ```ts
 * import { Model, Vocabulary, generateText } from 'rnnkit';
 * const vocab = Vocabulary.fromText('hello world');
 * const model = new Model({
 *   cell: 'lstm', inputSize: 8, hiddenSize: 16, outputSize: vocab.size,
 *   embedding: { vocabSize: vocab.size, dim: 8 },
 * });
 * console.log(generateText(model, vocab, 'he', 10, { temperature: 0 })); // untrained: 10 arbitrary characters
 * ```
 * @category Text
 */
export function generateText(
  model: Model,
  vocabulary: Vocabulary,
  prompt: string,
  length: number,
  options: Omit<GenerateOptions, 'out'> = {},
): string {
  const V = vocabularySize(model);
  const size = (vocabulary as { size?: unknown } | null)?.size;
  if (size !== V)
    throw new RangeError(
      `vocabulary has ${describe(size)} tokens, the model gives logits for ${V}: expected the same`,
    );
  return vocabulary.decode(generate(model, vocabulary.encode(prompt), length, options));
}

/** One draw from a step's logits; a model giving non-finite logits is an error naming the step. */
function sampleStep(sampler: Sampler, logits: ArrayLike<number>, rng: Rng, i: number): number {
  try {
    return sampler.sample(logits, rng);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(
      `generate: the model's output before token ${i} is not usable: ${e.message}`,
    );
  }
}

/** The vocabulary size of a token model (one logit per token), or a TypeError. */
function vocabularySize(model: Model): number {
  const o = model.options;
  const V = model.outputFeatures;
  if (o.head !== 'sequence' || readsFromEnd(o))
    throw new TypeError('generate needs a unidirectional model with a head at every step');
  if (o.embedding !== null) {
    if (o.embedding.vocabSize === V) return V;
    throw new TypeError(
      `generate needs one logit per token: embedding.vocabSize is ${o.embedding.vocabSize}, outputs ${V}`,
    );
  }
  if (o.inputSize !== V) {
    throw new TypeError(
      `generate needs one-hot inputs as wide as the output: inputSize is ${o.inputSize}, outputs ${V}`,
    );
  }
  return V;
}

function checkPrompt(prompt: ArrayLike<number>, V: number): void {
  if (typeof prompt !== 'object' || prompt === null || typeof prompt.length !== 'number')
    throw new TypeError(`prompt is ${describe(prompt)}, expected an array of token ids`);
  if (prompt.length === 0) throw new RangeError('prompt is empty: expected at least one token id');
  for (let i = 0; i < prompt.length; i++) {
    const id = prompt[i];
    if (!Number.isInteger(id) || id < 0 || id >= V)
      throw new RangeError(`prompt[${i}] is ${describe(id)}, expected an integer in [0, ${V})`);
  }
}
