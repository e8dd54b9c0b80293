import { describe, expect, it } from 'vitest';
import { Model, Tensor, Vocabulary, argmax, generate, generateText } from '../src/index.js';

const V = 7;
const tokenModel = (cell: 'lstm' | 'gru' = 'lstm') =>
  new Model({ cell, inputSize: V, hiddenSize: 8, numLayers: 2, outputSize: V, seed: 5 });

function oneHot(ids: number[]): Tensor {
  const x = new Tensor([1, ids.length, V]);
  ids.forEach((id, t) => (x.data[t * V + id] = 1));
  return x;
}

describe('generate', () => {
  it('greedy generation equals the argmax of forward over the growing prompt', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const model = tokenModel(cell);
      const prompt = [1, 4, 2];
      const got = generate(model, prompt, 12, { temperature: 0 });
      const ids = [...prompt];
      for (let i = 0; i < 12; i++) {
        const out = model.forward(oneHot(ids)).output.data;
        ids.push(argmax(out, (ids.length - 1) * V, V));
      }
      expect(Array.from(got)).toEqual(ids.slice(prompt.length));
    }
  });

  it('feeds ids to a model with an embedding, greedy equal to the argmax of forward', () => {
    const model = new Model({
      cell: 'lstm',
      inputSize: 4,
      hiddenSize: 8,
      outputSize: V,
      embedding: { vocabSize: V, dim: 4 },
      seed: 6,
    });
    const prompt = [3, 0];
    const got = generate(model, prompt, 10, { temperature: 0 });
    const ids = [...prompt];
    for (let i = 0; i < 10; i++) {
      const out = model.forward([ids]).output.data;
      ids.push(argmax(out, (ids.length - 1) * V, V));
    }
    expect(Array.from(got)).toEqual(ids.slice(prompt.length));
    const sampled = generate(model, prompt, 30, { topP: 0.9, seed: 2 });
    expect(Array.from(sampled)).toEqual(
      Array.from(generate(model, prompt, 30, { topP: 0.9, seed: 2 })),
    );
  });

  it('gives the same tokens for the same seed, other tokens for another', () => {
    const model = tokenModel();
    const a = generate(model, [0], 40, { temperature: 1.2, seed: 3 });
    const b = generate(model, [0], 40, { temperature: 1.2, seed: 3 });
    const c = generate(model, [0], 40, { temperature: 1.2, seed: 4 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const out = new Int32Array(50);
    expect(generate(model, [0], 40, { temperature: 1.2, seed: 3, out })).toBe(out);
    expect(Array.from(out.subarray(0, 40))).toEqual(Array.from(a));
  });

  it('generates text through a vocabulary', () => {
    const vocab = Vocabulary.fromText('abcde', { unknown: null, padding: null });
    const model = new Model({ cell: 'gru', inputSize: 5, hiddenSize: 4, outputSize: 5 });
    const text = generateText(model, vocab, 'ab', 9, { seed: 1, topK: 3 });
    expect(text).toHaveLength(9);
    expect(text).toMatch(/^[abcde]+$/);
    expect(generateText(model, vocab, 'ab', 9, { seed: 1, topK: 3 })).toBe(text);
  });

  it('saves with its vocabulary as one JSON document and generates the same text after loading', () => {
    const vocab = Vocabulary.fromText('the quick brown fox jumps over the lazy dog');
    const model = new Model({
      cell: 'lstm',
      inputSize: 4,
      hiddenSize: 6,
      outputSize: vocab.size,
      embedding: { vocabSize: vocab.size, dim: 4 },
      seed: 3,
    });
    const saved = JSON.stringify({ model: model.toJSON(), vocabulary: vocab.toJSON() });
    const parsed = JSON.parse(saved) as { model: unknown; vocabulary: unknown };
    const model2 = Model.fromJSON(parsed.model);
    const vocab2 = Vocabulary.fromJSON(parsed.vocabulary);
    const options = { temperature: 0.9, topK: 5, seed: 8 };
    const text = generateText(model, vocab, 'the ', 30, options);
    expect(generateText(model2, vocab2, 'the ', 30, options)).toBe(text);
  });

  it('rejects models, prompts and options it cannot use', () => {
    const model = tokenModel();
    expect(() => generate(model, [], 3)).toThrow(/prompt is empty/);
    expect(() => generate(model, [7], 3)).toThrow(
      /prompt\[0\] is 7, expected an integer in \[0, 7\)/,
    );
    expect(() => generate(model, [1], 3, { temprature: 1 } as never)).toThrow(/did you mean/);
    expect(() => generate(model, [1], 3, { out: new Int32Array(2) })).toThrow(RangeError);
    const regression = new Model({ inputSize: 3, hiddenSize: 4, outputSize: 1 });
    expect(() => generate(regression, [0], 3)).toThrow(/inputSize is 3, outputs 1/);
  });
});
