import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/errors.js';
import type { Parameters } from '../nn/parameters.js';
import {
  encodeSafetensors,
  readSafetensorsHeader,
  readTensor,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from '../nn/safetensors.js';
import { resolveModelOptions, type ModelOptions, type ResolvedModelOptions } from './options.js';
import { constructorOptions, fileOptions, MODEL_FORMAT } from './json.js';
import { checkDeclaredSize, checkModelLimits, type ModelLoadLimits } from './limits.js';

/**
 * A model's parameters as safetensors bytes: every tensor under its PyTorch name, F32 or F64 by
 * the model's dtype, and `__metadata__` holding `format` and the model's options (valid input
 * to `new Model`) as a JSON string, and `crc32`, the file's checksum. `extra` tensors and
 * `metadata` are added (checkpoints use them). Allocates the buffer.
 */
export function modelToSafetensors(
  o: ResolvedModelOptions,
  params: Parameters,
  extra: Record<string, Tensor> = {},
  metadata: Record<string, string> = {},
): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  for (const p of params.list) tensors[p.name] = params.tensor(p);
  return encodeSafetensors(
    { ...tensors, ...extra },
    { ...metadata, format: MODEL_FORMAT, options: JSON.stringify(constructorOptions(o)) },
    true,
  );
}

/**
 * The options and parameters in safetensors bytes written by {@link modelToSafetensors}. The
 * bytes are untrusted: the header is validated, then the options, then the number of
 * parameters they need is compared with the limit and with the values present, all before any
 * tensor is allocated.
 * @throws TypeError/RangeError naming the first bad field.
 */
export function parseModelSafetensors(
  bytes: Uint8Array,
  limits?: ModelLoadLimits,
): { options: ModelOptions; tensors: Record<string, Tensor> } {
  const maxParameters = checkModelLimits(limits);
  const header = readSafetensorsHeader(bytes, { maxParameters });
  // A forecaster's file is a model file with the scaler beside the options (src/forecast/).
  return modelEntries(bytes, header, header.entries, maxParameters, ['forecaster']);
}

/**
 * The model in a validated safetensors header whose `entries` are its parameters: the options
 * in the metadata are validated and the parameter count they need checked against the limit
 * and the entries before the tensors are read. `metadataKeys` are the keys allowed besides
 * `format`, `options` and `crc32`.
 */
export function modelEntries(
  bytes: Uint8Array,
  header: SafetensorsHeader,
  entries: readonly SafetensorsEntry[],
  maxParameters: number,
  metadataKeys: readonly string[],
): { options: ModelOptions; tensors: Record<string, Tensor> } {
  if (header.metadata.format !== MODEL_FORMAT) {
    throw new TypeError(
      `safetensors __metadata__.format is ${describe(header.metadata.format)}, expected '${MODEL_FORMAT}'`,
    );
  }
  // rnnkit's own files hold only these keys: one damaged bit in a key name shows as an unknown key.
  const known = ['format', 'options', 'crc32', ...metadataKeys];
  const unknown = Object.keys(header.metadata).find((k) => !known.includes(k));
  if (unknown !== undefined)
    throw new TypeError(`safetensors __metadata__ has an unknown key ${describe(unknown)}`);
  const options = fileOptions(parseMetadataJson(header.metadata.options, 'options'));
  const present = entries.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  checkDeclaredSize(resolveModelOptions(options), present, maxParameters);
  const tensors: Record<string, Tensor> = {};
  // defineProperty: an entry named __proto__ stays an entry (an assignment would set the prototype).
  for (const e of entries)
    Object.defineProperty(tensors, e.name, { value: readTensor(bytes, e), enumerable: true });
  return { options, tensors };
}

/** Parses a JSON string of safetensors metadata. */
export function parseMetadataJson(text: string | undefined, field: string): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    throw new TypeError(`safetensors __metadata__.${field} is ${describe(text)}, expected JSON`);
  }
}
