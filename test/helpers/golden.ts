import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, type DType } from '../../src/index.js';

/** A tensor as stored in a golden case. */
export interface GoldenTensor {
  shape: number[];
  data: number[];
}

/** Reads every `*.json` case of a folder, sorted by name. */
export function loadCases(dir: string): Array<{ file: string; json: Record<string, unknown> }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>,
    }));
}

/** A golden tensor as an rnnkit tensor of `dtype`. */
export function toTensor(g: GoldenTensor, dtype: DType): Tensor {
  const data = dtype === 'float64' ? Float64Array.from(g.data) : Float32Array.from(g.data);
  return new Tensor(g.shape, data);
}
