import { cellSpec } from '../recurrent/cells.js';
import { describe } from '../tensor/errors.js';
import type { Parameters } from '../nn/parameters.js';
import type { StateDictEntry } from '../nn/state-dict.js';
import { resolveModelOptions, type ModelOptions, type ResolvedModelOptions } from './options.js';
import { checkDeclaredSize, checkModelLimits, type ModelLoadLimits } from './limits.js';

/** The format tag of rnnkit model files (JSON, and safetensors metadata). */
export const MODEL_FORMAT = 'rnnkit-model/1';

/**
 * The JSON form of a model: its options (valid input to `new Model`) and every parameter.
 * @category Files
 */
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
  if (!o.reverse) delete out.reverse;
  if (o.linearBeforeReset) delete out.linearBeforeReset;
  if (o.initialState !== 'encoded') delete out.contextSize;
  const spec = cellSpec(o.cell);
  if (spec.forgetGate === undefined) delete out.unitForgetBias;
  if (!spec.nonlinearity) delete out.nonlinearity;
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
 * The JSON is untrusted: the options are validated and the number of parameters they need is
 * compared with the limit and with the values present before anything is built.
 * @throws TypeError when `json` is not a model in format `rnnkit-model/1`; TypeError/RangeError
 *   with a short message naming the bad option or the size mismatch.
 */
export function parseModelJSON(
  json: unknown,
  limits?: ModelLoadLimits,
): {
  options: ModelOptions;
  params: Record<string, StateDictEntry>;
} {
  const maxParameters = checkModelLimits(limits);
  const j = json as { format?: unknown; options?: unknown; params?: unknown };
  if (typeof j !== 'object' || j === null || j.format !== MODEL_FORMAT) {
    throw new TypeError(
      `model JSON is ${describe(json)}, expected an object with format '${MODEL_FORMAT}'`,
    );
  }
  const options = fileOptions(j.options);
  const params = j.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw new TypeError(`model JSON params is ${describe(params)}, expected tensors by name`);
  let present = 0;
  for (const [name, entry] of Object.entries(params)) {
    const data: unknown = (entry as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) && !ArrayBuffer.isView(data)) {
      const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
      throw new TypeError(
        `model JSON params.${shown}.data is ${describe(data)}, expected an array of numbers`,
      );
    }
    present += (data as ArrayLike<unknown>).length;
  }
  checkDeclaredSize(resolveModelOptions(options), present, maxParameters);
  return { options, params: params as Record<string, StateDictEntry> };
}

/**
 * Model options read from a file, with the options that do not apply to the cell or initial
 * state dropped (older files list them all).
 * @throws TypeError when they are not an object.
 */
export function fileOptions(raw: unknown): ModelOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError(`model file options are ${describe(raw)}, expected an object`);
  }
  const opts = { ...(raw as ModelOptions & { outputSize?: number | null }) };
  if (opts.outputSize === null) delete opts.outputSize;
  if (opts.initialState !== 'encoded') delete opts.contextSize;
  const spec = cellSpec(opts.cell ?? 'rnn');
  if (spec.forgetGate === undefined) delete opts.unitForgetBias;
  if (spec.resetBeforeProduct === undefined) delete opts.linearBeforeReset;
  if (!spec.nonlinearity) delete opts.nonlinearity;
  if ((opts.embedding as unknown) === null) delete opts.embedding;
  return opts as ModelOptions;
}
