import { cellSpec } from '../recurrent/cells.js';
import type { ResolvedModelOptions } from './options.js';
import { describe } from '../tensor/errors.js';
import { DEFAULT_MAX_PARAMETERS } from '../nn/safetensors.js';

/**
 * Limits for loading a model from an untrusted file.
 * @category Files
 */
export interface ModelLoadLimits {
  /**
   * Most parameters a model file may declare (default 100 000 000, 400 MB in float32). The
   * options are checked against it, and against the data actually in the file, before the
   * model is built.
   */
  maxParameters?: number;
}

/** Validates loader limits and returns the parameter limit. */
export function checkModelLimits(limits: unknown): number {
  if (limits === undefined) return DEFAULT_MAX_PARAMETERS;
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits))
    throw new TypeError(`limits is ${describe(limits)}, expected { maxParameters? }`);
  for (const [k, v] of Object.entries(limits)) {
    if (k !== 'maxParameters') throw new TypeError(`limits has an unknown option '${k}'`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw new RangeError(`limits.maxParameters is ${describe(v)}, expected an integer >= 1`);
  }
  return (limits as ModelLoadLimits).maxParameters ?? DEFAULT_MAX_PARAMETERS;
}

/**
 * The number of parameters a model with options `o` has, computed from the options alone
 * (nothing is allocated). Exact for any size; may exceed 2^53 for absurd options.
 */
export function parameterCount(o: ResolvedModelOptions): number {
  const D = o.bidirectional ? 2 : 1;
  const H = o.hiddenSize;
  const spec = cellSpec(o.cell);
  const GH = spec.gates * H;
  let n = 0;
  for (let l = 0; l < Math.min(o.numLayers, 2); l++) {
    const inSize = l === 0 ? o.inputSize : D * H;
    const perDirection = GH * inSize + GH * H + (o.bias ? 2 * GH : 0);
    n += D * perDirection * (l === 0 ? 1 : o.numLayers - 1);
  }
  const LDH = o.numLayers * D * H;
  const states = spec.cellState ? 2 : 1;
  if (o.initialState === 'learned') n += states * LDH;
  if (o.initialState === 'encoded') n += states * (LDH * o.contextSize + LDH);
  if (o.outputSize !== null) n += o.outputSize * D * H + o.outputSize;
  if (o.embedding !== null) n += o.embedding.vocabSize * o.embedding.dim;
  return n;
}

/**
 * Checks that a model file's options agree with the data it holds and stay within the limit,
 * before anything is allocated.
 * @param present the number of parameter values actually in the file.
 * @throws RangeError naming the mismatch.
 */
export function checkDeclaredSize(
  o: ResolvedModelOptions,
  present: number,
  maxParameters: number,
): void {
  const declared = parameterCount(o);
  if (declared > maxParameters) {
    throw new RangeError(
      `model file's options need ${declared} parameters, more than the limit of ${maxParameters} (limits.maxParameters)`,
    );
  }
  if (declared !== present) {
    throw new RangeError(
      `model file's options need ${declared} parameters but the file holds ${present}`,
    );
  }
}
