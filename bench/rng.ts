/**
 * A small seeded generator for benchmark data (xorshift32 state, uniform floats).
 * Benchmarks need reproducible inputs, not statistical quality.
 */
export class BenchRng {
  private state: number;

  constructor(seed: number) {
    // Spread the seed over the 32 bits and avoid the all-zero state.
    this.state = (Math.imul(Math.trunc(seed) ^ 0x5bd1e995, 0x27d4eb2d) >>> 0) | 1;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }

  /** A uniform number in [-1, 1). */
  signed(): number {
    return this.next() * 2 - 1;
  }

  /** A Float32Array of `n` uniform numbers in [-1, 1). */
  fill(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.signed();
    return out;
  }
}
