/**
 * A seeded pseudo-random generator (xoshiro128** with a splitmix32 seed expansion).
 * Every random choice in rnnkit goes through one of these, so runs are reproducible.
 * @example
 * ```ts
 * import { Rng } from 'rnnkit';
 * const rng = new Rng(42);
 * console.log(rng.uniform(-1, 1), rng.normal(), rng.int(10)); // the same three numbers on every run
 * ```
 * @category Model
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  /**
   * @param seed an integer in [0, 2^32); equal seeds give equal streams.
   * @throws TypeError/RangeError for anything else (a fraction or a larger number would alias another seed).
   */
  constructor(seed: number) {
    let s = checkSeed('seed', seed);
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform number in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A standard normal sample (Box-Muller, polar form). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `values` in place (Fisher-Yates) and returns it. */
  shuffle<T>(values: T[]): T[] {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Largest seed + 1: seeds are 32-bit unsigned integers. */
const SEED_LIMIT = 2 ** 32;

/**
 * Throws unless `value` is an integer in [0, 2^32): other numbers would silently alias a seed in
 * that range (1.7 would act as 1, 2^32 as 0).
 */
export function checkSeed(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} is ${describeSeed(value)}, expected an integer in [0, 2^32)`);
  }
  if (value < 0 || value >= SEED_LIMIT) {
    throw new RangeError(`${name} is ${value}, expected an integer in [0, 2^32)`);
  }
  return value;
}

function describeSeed(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A seed in [0, 2^32) derived from two (a seed and a stream, such as an epoch index). */
export function mixSeeds(seed: number, stream: number): number {
  return fmix32((fmix32(seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0);
}

/** The 32-bit finaliser of MurmurHash3: every input bit affects every output bit. */
function fmix32(x: number): number {
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
