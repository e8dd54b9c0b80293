import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { checkChoice, checkInt, checkKeys, describe } from '../tensor/errors.js';

/**
 * How text is cut into tokens: single characters (Unicode code points) or whitespace-separated words.
 * @category Text
 */
export type VocabularyLevel = 'char' | 'word';

/**
 * Options of {@link Vocabulary.fromText}.
 * @category Text
 */
export interface VocabularyOptions {
  /** `'char'` (default) or `'word'`. */
  level?: VocabularyLevel;
  /** Token standing for anything not in the vocabulary (default `'<unk>'`; null: none, unknown tokens throw). */
  unknown?: string | null;
  /** Token used to pad sequences to one length (default `'<pad>'`; null: none). */
  padding?: string | null;
  /** Keep only tokens seen at least this often (default 1). */
  minCount?: number;
  /** Keep at most this many tokens, special tokens included, the most frequent first (default: all). */
  maxSize?: number;
}

/**
 * A vocabulary as plain JSON: what {@link Vocabulary.toJSON} writes and {@link Vocabulary.fromJSON} reads.
 * @category Text
 */
export interface VocabularyJSON {
  /** Format tag. */
  format: 'rnnkit-vocabulary/1';
  /** Characters or words. */
  level: VocabularyLevel;
  /** Every token; a token's id is its index. */
  tokens: string[];
  /** The unknown token, or null. */
  unknown: string | null;
  /** The padding token, or null. */
  padding: string | null;
}

/**
 * Texts encoded as one padded batch.
 * @category Text
 */
export interface EncodedBatch {
  /** Token ids `[B, T]` (float64), padding ids after each text's end. */
  ids: Tensor;
  /** Tokens of each text (at most T). */
  lengths: number[];
}

const OPTION_KEYS = ['level', 'unknown', 'padding', 'minCount', 'maxSize'];

/**
 * A mapping between tokens and integer ids `0 .. size-1`, at character or word level. The
 * padding token (when present) is id 0 and the unknown token id 1 (or 0 without padding), then
 * tokens by falling frequency (ties in order of first appearance), so a vocabulary built twice
 * from the same text is the same.
 *
 * @example
 * ```ts
 * import { Vocabulary } from 'rnnkit';
 * const vocab = Vocabulary.fromText('hello world');
 * const ids = vocab.encode('hello');
 * console.log(vocab.size, vocab.decode(ids)); // 10 hello ('<pad>', '<unk>' and 8 characters)
 * ```
 * @category Text
 */
export class Vocabulary {
  /** Characters or words. */
  readonly level: VocabularyLevel;
  /** Every token; a token's id is its index. */
  readonly tokens: readonly string[];
  /** The unknown token, or null. */
  readonly unknown: string | null;
  /** The padding token, or null. */
  readonly padding: string | null;
  private readonly ids: Map<string, number>;

  /**
   * A vocabulary of exactly `tokens` (ids in that order).
   * @throws TypeError for a token that is not a string, a repeated token, or special tokens not in `tokens`.
   */
  constructor(
    tokens: readonly string[],
    options: { level?: VocabularyLevel; unknown?: string | null; padding?: string | null } = {},
  ) {
    checkKeys('vocabulary options', options, ['level', 'unknown', 'padding']);
    this.level = checkChoice('level', options.level ?? 'char', ['char', 'word'] as const);
    if (!Array.isArray(tokens) || tokens.length === 0)
      throw new TypeError(`tokens is ${describe(tokens)}, expected a non-empty array of strings`);
    this.ids = new Map();
    tokens.forEach((t, i) => {
      if (typeof t !== 'string' || t === '')
        throw new TypeError(`tokens[${i}] is ${describe(t)}, expected a non-empty string`);
      if (this.ids.has(t)) throw new TypeError(`tokens[${i}] ${describe(t)} appears twice`);
      this.ids.set(t, i);
    });
    this.unknown = this.special('unknown', options.unknown ?? null);
    this.padding = this.special('padding', options.padding ?? null);
    this.tokens = Object.freeze([...tokens]);
  }

  private special(name: string, token: unknown): string | null {
    if (token === null) return null;
    if (typeof token !== 'string' || !this.ids.has(token))
      throw new TypeError(`${name} is ${describe(token)}, expected null or one of the tokens`);
    return token;
  }

  /**
   * Builds a vocabulary from `text` (one string or several), counting tokens.
   * @throws TypeError/RangeError for invalid options or text that yields no token.
   */
  static fromText(text: string | readonly string[], options: VocabularyOptions = {}): Vocabulary {
    checkKeys('vocabulary options', options, OPTION_KEYS);
    const level = checkChoice('level', options.level ?? 'char', ['char', 'word'] as const);
    const unknown = options.unknown === undefined ? '<unk>' : options.unknown;
    const padding = options.padding === undefined ? '<pad>' : options.padding;
    const minCount = checkInt('minCount', options.minCount ?? 1);
    const maxSize = options.maxSize === undefined ? Infinity : checkInt('maxSize', options.maxSize);
    const texts = typeof text === 'string' ? [text] : text;
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string'))
      throw new TypeError(`text is ${describe(text)}, expected a string or an array of strings`);
    const counts = new Map<string, number>();
    for (const t of texts)
      for (const token of tokenize(t, level)) counts.set(token, (counts.get(token) ?? 0) + 1);
    const specials = [padding, unknown].filter((s): s is string => s !== null);
    const sorted = [...counts.entries()]
      .filter(([token, n]) => n >= minCount && !specials.includes(token))
      .sort((a, b) => b[1] - a[1])
      .map(([token]) => token);
    const tokens = [...specials, ...sorted].slice(0, Math.max(maxSize, specials.length));
    if (tokens.length === 0) throw new RangeError('text has no token to build a vocabulary from');
    return new Vocabulary(tokens, { level, unknown, padding });
  }

  /** Number of tokens (V), special tokens included. */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of the unknown token, or -1 without one. */
  get unknownId(): number {
    return this.unknown === null ? -1 : (this.ids.get(this.unknown) as number);
  }

  /** Id of the padding token, or -1 without one. */
  get paddingId(): number {
    return this.padding === null ? -1 : (this.ids.get(this.padding) as number);
  }

  /** True when `token` is in the vocabulary. */
  has(token: string): boolean {
    return this.ids.has(token);
  }

  /**
   * The id of `token`; the unknown token's id for anything else.
   * @throws RangeError for a token not in a vocabulary without an unknown token.
   */
  id(token: string): number {
    const id = this.ids.get(token);
    if (id !== undefined) return id;
    if (this.unknown !== null) return this.unknownId;
    throw new RangeError(
      `token ${describe(token)} is not in the vocabulary (which has no unknown token)`,
    );
  }

  /** Cuts `text` into tokens at this vocabulary's level (no lookup). */
  tokenize(text: string): string[] {
    if (typeof text !== 'string')
      throw new TypeError(`text is ${describe(text)}, expected a string`);
    return tokenize(text, this.level);
  }

  /**
   * The ids of `text`'s tokens (a new array).
   * @throws RangeError for a token not in a vocabulary without an unknown token.
   */
  encode(text: string): Int32Array {
    return Int32Array.from(this.tokenize(text), (t) => this.id(t));
  }

  /**
   * The text of `ids`: characters joined as they are, words with single spaces. Padding ids are
   * skipped. @throws RangeError for an id that is not an integer in [0, size).
   */
  decode(ids: ArrayLike<number>): string {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = this.checkId(ids[i], `ids[${i}]`);
      if (id !== this.paddingId) out.push(this.tokens[id]);
    }
    return out.join(this.level === 'word' ? ' ' : '');
  }

  /** The token of `id`. @throws RangeError for an id out of range. */
  token(id: number): string {
    return this.tokens[this.checkId(id, 'id')];
  }

  /**
   * Encodes several texts into one padded batch of ids `[B, T]` (float64 tensor of integers, T the
   * longest, or `length` when given: longer texts are cut) with each text's length.
   * @throws TypeError when padding is needed and the vocabulary has no padding token.
   */
  encodeBatch(texts: readonly string[], length?: number): EncodedBatch {
    if (!Array.isArray(texts) || texts.length === 0)
      throw new TypeError(`texts is ${describe(texts)}, expected a non-empty array of strings`);
    const encoded = texts.map((t) => this.encode(t));
    const T =
      length === undefined
        ? Math.max(1, ...encoded.map((e) => e.length))
        : checkInt('length', length);
    const lengths = encoded.map((e) => Math.max(1, Math.min(T, e.length)));
    if (encoded.some((e) => e.length < T) && this.padding === null)
      throw new TypeError('texts have different lengths and the vocabulary has no padding token');
    const ids = new Tensor([texts.length, T], 'float64');
    ids.data.fill(Math.max(0, this.paddingId));
    encoded.forEach((e, b) => ids.data.set(e.subarray(0, T), b * T));
    return { ids, lengths };
  }

  /**
   * One-hot vectors of ids: `[B, T]` ids (a tensor or nested arrays) give `[B, T, V]`, a flat list
   * of T ids gives `[1, T, V]`. Allocates the result.
   * @throws RangeError for an id that is not an integer in [0, size).
   */
  oneHot(
    ids: Tensor | readonly (readonly number[])[] | ArrayLike<number>,
    dtype: DType = 'float32',
  ): Tensor {
    const { flat, B, T } = this.flatIds(ids);
    const V = this.size;
    const out = new Tensor([B, T, V], dtype);
    for (let i = 0; i < flat.length; i++) out.data[i * V + this.checkId(flat[i], `ids[${i}]`)] = 1;
    return out;
  }

  private flatIds(ids: unknown): { flat: ArrayLike<number>; B: number; T: number } {
    if (ids instanceof Tensor) {
      if (ids.shape.length !== 2)
        throw new RangeError(`ids has shape [${ids.shape.join(', ')}], expected [B, T]`);
      return { flat: ids.data, B: ids.shape[0], T: ids.shape[1] };
    }
    if (Array.isArray(ids) && ids.length > 0 && Array.isArray(ids[0])) {
      const rows = ids as number[][];
      const T = rows[0].length;
      if (rows.some((r) => !Array.isArray(r) || r.length !== T))
        throw new RangeError(`ids rows have different lengths, expected ${T} ids in each`);
      return { flat: rows.flat(), B: rows.length, T };
    }
    if (
      typeof ids === 'object' &&
      ids !== null &&
      typeof (ids as ArrayLike<number>).length === 'number'
    ) {
      const flat = ids as ArrayLike<number>;
      return { flat, B: 1, T: flat.length };
    }
    throw new TypeError(
      `ids is ${describe(ids)}, expected a Tensor [B, T], nested arrays or a list of ids`,
    );
  }

  private checkId(id: number, what: string): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.size)
      throw new RangeError(`${what} is ${describe(id)}, expected an integer in [0, ${this.size})`);
    return id;
  }

  /** The vocabulary as plain JSON, to save beside `model.toJSON()`. */
  toJSON(): VocabularyJSON {
    return {
      format: 'rnnkit-vocabulary/1',
      level: this.level,
      tokens: [...this.tokens],
      unknown: this.unknown,
      padding: this.padding,
    };
  }

  /** Rebuilds a vocabulary from {@link toJSON}'s output. @throws TypeError for anything else. */
  static fromJSON(json: unknown): Vocabulary {
    const j = json as Partial<VocabularyJSON> | null;
    if (typeof j !== 'object' || j === null || j.format !== 'rnnkit-vocabulary/1')
      throw new TypeError(
        `vocabulary JSON is ${describe(json)}, expected { format: 'rnnkit-vocabulary/1', ... }`,
      );
    checkKeys('vocabulary JSON', j, ['format', 'level', 'tokens', 'unknown', 'padding']);
    return new Vocabulary(j.tokens as string[], {
      level: j.level as VocabularyLevel,
      unknown: j.unknown ?? null,
      padding: j.padding ?? null,
    });
  }
}

/** Code points (so a character outside the BMP is one token) or runs of non-whitespace. */
function tokenize(text: string, level: VocabularyLevel): string[] {
  return level === 'char' ? Array.from(text) : (text.match(/\S+/gu) ?? []);
}
