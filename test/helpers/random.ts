import { Rng, Tensor, type DType } from '../../src/index.js';

/** A function drawing standard-normal tensors from a generator seeded with `seed`. */
export function normalTensors(seed: number): (shape: number[], dtype?: DType) => Tensor {
  const rng = new Rng(seed);
  return (shape, dtype = 'float64') => {
    const t = new Tensor(shape, dtype);
    for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
    return t;
  };
}
