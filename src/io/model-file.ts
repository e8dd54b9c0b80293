import { Model } from '../model/model.js';
import {
  resolveModelOptions,
  type ModelOptions,
  type ResolvedModelOptions,
} from '../model/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';
import {
  encodeSafetensors,
  readSafetensorsHeader,
  readTensor,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors.js';
import { checkDeclaredSize, checkModelLimits, type ModelLoadLimits } from './limits.js';

/** The format tag of rnnkit model files (JSON and safetensors metadata). */
export const MODEL_FORMAT = 'rnnkit-model/1';

/**
 * A model's parameters as safetensors bytes: every tensor under its PyTorch name, F32 or F64 by
 * the model's dtype, and `__metadata__` holding `format` and the model's `options` as a JSON
 * string. Allocates the buffer.
 */
export function modelToSafetensors(model: Model): Uint8Array {
  return encodeSafetensors(model.stateDict(), {
    format: MODEL_FORMAT,
    options: JSON.stringify(model.options),
  });
}

/**
 * Rebuilds a model from {@link modelToSafetensors}' bytes. Untrusted bytes are safe: the header
 * is validated, then the options, then the parameter count the options need is compared with
 * the limit and with the values present, all before the model is built.
 * @throws TypeError/RangeError naming the first bad field; nothing is allocated beyond the header.
 */
export function modelFromSafetensors(bytes: Uint8Array, limits?: ModelLoadLimits): Model {
  const maxParameters = checkModelLimits(limits);
  const header = readSafetensorsHeader(bytes, { maxParameters });
  return modelFromHeader(bytes, header, header.entries, maxParameters);
}

/**
 * Builds a model from a validated safetensors header whose `entries` are its parameters: the
 * options in the metadata are validated and their parameter count checked against the limit
 * and the entries before the model is built.
 */
export function modelFromHeader(
  bytes: Uint8Array,
  header: SafetensorsHeader,
  entries: readonly SafetensorsEntry[],
  maxParameters: number,
): Model {
  if (header.metadata.format !== MODEL_FORMAT) {
    throw new TypeError(
      `safetensors __metadata__.format is ${describe(header.metadata.format)}, expected '${MODEL_FORMAT}'`,
    );
  }
  const { options, resolved } = fileOptions(parseJson(header.metadata.options, 'options'));
  const present = entries.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  checkDeclaredSize(resolved, present, maxParameters);
  const model = new Model(options);
  const dict: Record<string, Tensor> = {};
  for (const e of entries) dict[e.name] = readTensor(bytes, e);
  model.loadStateDict(dict);
  return model;
}

/** Parses a JSON string of the safetensors metadata. */
export function parseJson(text: string | undefined, field: string): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    throw new TypeError(`safetensors __metadata__.${field} is ${describe(text)}, expected JSON`);
  }
}

/**
 * Model options read from a file (as `toJSON` writes them, with `null` for no head and every
 * default filled in), validated: the options to build with and their resolved form.
 * @throws TypeError/RangeError for invalid options.
 */
export function fileOptions(raw: unknown): {
  options: ModelOptions;
  resolved: ResolvedModelOptions;
} {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new TypeError(`model file options are ${describe(raw)}, expected an object`);
  const opts = { ...(raw as Record<string, unknown>) };
  if (opts.outputSize === null) delete opts.outputSize;
  if (opts.initialState !== 'encoded' && opts.contextSize === 0) delete opts.contextSize;
  if (opts.cell !== 'lstm' && opts.unitForgetBias === false) delete opts.unitForgetBias;
  if (opts.cell !== undefined && opts.cell !== 'rnn' && opts.nonlinearity === 'tanh')
    delete opts.nonlinearity;
  const options = opts as unknown as ModelOptions;
  return { options, resolved: resolveModelOptions(options) };
}
