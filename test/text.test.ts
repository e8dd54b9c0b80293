import { describe, expect, it } from 'vitest';
import { Rng, Sampler, Tensor, Vocabulary, argmax, nextTokenData, softmax } from '../src/index.js';

describe('Vocabulary', () => {
  it('puts padding and unknown first, then tokens by falling frequency', () => {
    const v = Vocabulary.fromText('abcabca');
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'a', 'b', 'c']);
    expect(v.paddingId).toBe(0);
    expect(v.unknownId).toBe(1);
    expect(v.size).toBe(5);
  });

  it('encodes and decodes characters, including ones outside the BMP', () => {
    const text = 'héllo 🙂 wörld';
    const v = Vocabulary.fromText(text);
    const ids = v.encode(text);
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(Array.from(text).length);
    expect(v.decode(ids)).toBe(text);
  });

  it('maps unseen tokens to the unknown token, or throws without one', () => {
    const v = Vocabulary.fromText('aab');
    expect(Array.from(v.encode('abz'))).toEqual([v.id('a'), v.id('b'), v.unknownId]);
    const strict = Vocabulary.fromText('aab', { unknown: null, padding: null });
    expect(strict.tokens).toEqual(['a', 'b']);
    expect(() => strict.encode('abz')).toThrow(RangeError);
    expect(() => strict.encode('abz')).toThrow(/"z" is not in the vocabulary/);
  });

  it('works at word level and drops rare words with minCount', () => {
    const v = Vocabulary.fromText('the cat saw the dog  the end', { level: 'word', minCount: 2 });
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'the']);
    expect(v.decode(v.encode('the cat'))).toBe('the <unk>');
    const all = Vocabulary.fromText(['a b', 'b c'], { level: 'word', maxSize: 3 });
    expect(all.tokens).toEqual(['<pad>', '<unk>', 'b']);
  });

  it('skips padding when decoding and pads batches to one length', () => {
    const v = Vocabulary.fromText('abc');
    const { ids, lengths } = v.encodeBatch(['ab', 'abc']);
    expect(ids.shape).toEqual([2, 3]);
    expect(lengths).toEqual([2, 3]);
    expect(Array.from(ids.data)).toEqual([
      v.id('a'),
      v.id('b'),
      0,
      v.id('a'),
      v.id('b'),
      v.id('c'),
    ]);
    expect(v.decode(ids.data.subarray(0, 3))).toBe('ab');
  });

  it('one-hot encodes [B, T] ids into [B, T, V]', () => {
    const v = Vocabulary.fromText('ab', { unknown: null, padding: null });
    const x = v.oneHot([
      [0, 1],
      [1, 1],
    ]);
    expect(x.shape).toEqual([2, 2, 2]);
    expect(Array.from(x.data)).toEqual([1, 0, 0, 1, 0, 1, 0, 1]);
    expect(v.oneHot([1, 0], 'float64').shape).toEqual([1, 2, 2]);
    expect(v.oneHot(new Tensor([1, 1], new Float64Array([1]))).data[1]).toBe(1);
    expect(() => v.oneHot([[0, 2]])).toThrow(/ids\[1\] is 2, expected an integer in \[0, 2\)/);
  });

  it('survives a JSON round trip', () => {
    const v = Vocabulary.fromText('to be or not to be', { level: 'word' });
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
    expect(back.tokens).toEqual(v.tokens);
    expect(back.level).toBe('word');
    expect(back.unknownId).toBe(v.unknownId);
    expect(back.decode(back.encode('not to be'))).toBe('not to be');
    expect(() => Vocabulary.fromJSON({ tokens: ['a'] })).toThrow(TypeError);
  });

  it('rejects bad tokens and options with clear errors', () => {
    expect(() => new Vocabulary(['a', 'a'])).toThrow(/appears twice/);
    expect(() => new Vocabulary(['a'], { unknown: '?' })).toThrow(/unknown is "\?"/);
    expect(() => Vocabulary.fromText('a', { level: 'byte' as 'char' })).toThrow(TypeError);
    expect(() => Vocabulary.fromText('a', { minCont: 2 } as never)).toThrow(
      /did you mean 'minCount'/,
    );
    expect(() => Vocabulary.fromText('', { unknown: null, padding: null })).toThrow(RangeError);
    expect(() => Vocabulary.fromText('ab').token(5)).toThrow(RangeError);
  });
});

describe('softmax and argmax', () => {
  it('computes a stable softmax with a temperature into the given buffer', () => {
    const out = new Float64Array(3);
    softmax(out, [1000, 1001, 1002]);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const z = e[0] + e[1] + e[2];
    for (let i = 0; i < 3; i++) expect(out[i]).toBeCloseTo(e[i] / z, 12);
    softmax(out, [0, 0, 1, 2], 0.5, 1);
    const f = [1, Math.exp(2), Math.exp(4)];
    const y = f[0] + f[1] + f[2];
    for (let i = 0; i < 3; i++) expect(out[i]).toBeCloseTo(f[i] / y, 12);
    expect(() => softmax(out, [1, 2])).toThrow(RangeError);
    expect(() => softmax(out, [1, 2, 3], 0)).toThrow(/temperature is 0/);
  });

  it('finds the first largest value', () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
    expect(argmax([9, 1, 7, 8], 1, 2)).toBe(1);
  });
});

describe('Sampler', () => {
  const logits = [0.1, 2, -1, 1.5, 0.3];

  it('draws with the softmax probabilities', () => {
    const s = new Sampler(5);
    const rng = new Rng(1);
    const counts = new Array<number>(5).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[s.sample(logits, rng)]++;
    const p = softmax(new Float64Array(5), logits);
    for (let i = 0; i < 5; i++) expect(Math.abs(counts[i] / n - p[i])).toBeLessThan(0.015);
  });

  it('is greedy at temperature 0 and reproducible for a seed', () => {
    expect(new Sampler(5, { temperature: 0 }).sample(logits, new Rng(3))).toBe(1);
    const draw = (seed: number) => {
      const s = new Sampler(5, { temperature: 1.5 });
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => s.sample(logits, rng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('keeps only the k most probable tokens with topK', () => {
    const s = new Sampler(5, { topK: 2 });
    const rng = new Rng(2);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(s.sample(logits, rng));
    expect([...seen].sort()).toEqual([1, 3]);
  });

  it('keeps the smallest set reaching topP', () => {
    const p = softmax(new Float64Array(5), logits); // order 1, 3, 4, 0, 2
    const s = new Sampler(5, { topP: p[1] + p[3] + 1e-9 });
    const rng = new Rng(4);
    const seen = new Set<number>();
    for (let i = 0; i < 3000; i++) seen.add(s.sample(logits, rng));
    expect([...seen].sort()).toEqual([1, 3, 4]);
    const tight = new Sampler(5, { topP: p[1] - 1e-9 });
    for (let i = 0; i < 100; i++) expect(tight.sample(logits, rng)).toBe(1);
  });

  it('samples from an offset in a larger buffer, such as one row of a batch', () => {
    const s = new Sampler(2, { temperature: 0 });
    expect(s.sample([5, 0, 0, 5], new Rng(0), 2)).toBe(1);
    expect(() => s.sample([5, 0, 0], new Rng(0), 2)).toThrow(RangeError);
  });

  it('rejects bad options', () => {
    expect(() => new Sampler(5, { topP: 0 })).toThrow(RangeError);
    expect(() => new Sampler(5, { topK: 0 })).toThrow(RangeError);
    expect(() => new Sampler(5, { temperature: -1 })).toThrow(RangeError);
    expect(() => new Sampler(5, { topk: 2 } as never)).toThrow(/did you mean 'topK'/);
  });
});

describe('nextTokenData', () => {
  it('cuts one stream into contiguous rows of inputs and next-token targets', () => {
    const { inputs, targets } = nextTokenData([0, 1, 2, 3, 4, 5, 6, 7], 2);
    expect(inputs.shape).toEqual([2, 3]);
    expect(Array.from(inputs.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(targets.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => nextTokenData([1, 2], 2)).toThrow(/expected at least 3/);
  });
});
