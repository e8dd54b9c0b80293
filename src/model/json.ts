import { describe } from '../tensor/errors.js';
import type { Parameters } from '../nn/parameters.js';
import type { StateDictEntry } from '../nn/state-dict.js';
import type { ModelOptions, ResolvedModelOptions } from './options.js';

/** The JSON form of a model: its options (valid input to `new Model`) and every parameter. */
export interface ModelJSON {
  /** The file format and its version. */
  format: 'rnnkit-model/1';
  /** The options that build this model again (`new Model(json.options)`). */
  options: ModelOptions;
  /** Every parameter by its PyTorch name. */
  params: Record<
    string,
    {
      /** The parameter's shape. */
      shape: number[];
      /** Its values in row-major order, copied into a plain array. */
      data: number[];
    }
  >;
}

/**
 * The options a user would pass to build this model again: every resolved option that applies
 * to the model's cell and initial state, and none that does not.
 */
export function constructorOptions(o: ResolvedModelOptions): ModelOptions {
  const out: ModelOptions = {
    ...o,
    outputSize: o.outputSize ?? undefined,
    embedding: o.embedding ?? undefined,
  };
  if (o.outputSize === null) delete out.outputSize;
  if (o.initialState !== 'encoded') delete out.contextSize;
  if (o.cell !== 'lstm') delete out.unitForgetBias;
  if (o.cell !== 'rnn') delete out.nonlinearity;
  if (o.embedding === null) delete out.embedding;
  else out.embedding = { ...o.embedding };
  return out;
}

/** A JSON-ready snapshot (copies): the options and every parameter. */
export function modelToJSON(o: ResolvedModelOptions, params: Parameters): ModelJSON {
  const out: ModelJSON['params'] = {};
  for (const p of params.list)
    out[p.name] = { shape: [...p.shape], data: Array.from(params.view(p)) };
  return { format: 'rnnkit-model/1', options: constructorOptions(o), params: out };
}

/**
 * The options and parameters of a model's JSON form. Also reads files written before the
 * options were trimmed to the ones that apply (with `outputSize: null`, `contextSize: 0`, ...).
 * @throws TypeError when `json` is not a model in format `rnnkit-model/1`.
 */
export function parseModelJSON(json: unknown): {
  options: ModelOptions;
  params: Record<string, StateDictEntry>;
} {
  const j = json as {
    format?: unknown;
    options?: unknown;
    params?: Record<string, StateDictEntry>;
  };
  if (typeof j !== 'object' || j === null || j.format !== 'rnnkit-model/1') {
    throw new TypeError(
      `model JSON is ${describe(json)}, expected an object with format 'rnnkit-model/1'`,
    );
  }
  if (typeof j.options !== 'object' || j.options === null) {
    throw new TypeError(`model JSON options are ${describe(j.options)}, expected an object`);
  }
  const opts = { ...(j.options as ModelOptions & { outputSize?: number | null }) };
  if (opts.outputSize === null) delete opts.outputSize;
  if (opts.initialState !== 'encoded') delete opts.contextSize;
  if (opts.cell !== 'lstm') delete opts.unitForgetBias;
  if (opts.cell !== 'rnn') delete opts.nonlinearity;
  if ((opts.embedding as unknown) === null) delete opts.embedding;
  return { options: opts as ModelOptions, params: j.params ?? {} };
}
