import { Model } from '../model/model.js';
import { describe } from '../tensor/errors.js';
import { fileOptions, MODEL_FORMAT } from './model-file.js';
import { checkDeclaredSize, checkModelLimits, type ModelLoadLimits } from './limits.js';

/**
 * Rebuilds a model from `model.toJSON()`'s output, treating it as untrusted: the format and
 * options are validated, then the parameter count the options need is compared with the limit
 * and with the values actually present, all before the model is built; the parameters are
 * then checked entry by entry (names, shapes, finite values in the model's dtype range).
 * @throws TypeError/RangeError with a short message naming the bad field.
 */
export function modelFromJSON(json: unknown, limits?: ModelLoadLimits): Model {
  const maxParameters = checkModelLimits(limits);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError(
      `model JSON is ${describe(json)}, expected an object with format '${MODEL_FORMAT}'`,
    );
  }
  const j = json as { format?: unknown; options?: unknown; params?: unknown };
  if (j.format !== MODEL_FORMAT)
    throw new TypeError(`model JSON format is ${describe(j.format)}, expected '${MODEL_FORMAT}'`);
  const { options, resolved } = fileOptions(j.options);
  const params = j.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw new TypeError(`model JSON params is ${describe(params)}, expected tensors by name`);
  let present = 0;
  for (const [name, entry] of Object.entries(params)) {
    const data: unknown = (entry as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) && !ArrayBuffer.isView(data))
      throw new TypeError(
        `model JSON params.${short(name)}.data is ${describe(data)}, expected an array of numbers`,
      );
    present += (data as ArrayLike<unknown>).length;
  }
  checkDeclaredSize(resolved, present, maxParameters);
  const model = new Model(options);
  model.loadStateDict(params as Parameters<Model['loadStateDict']>[0]);
  return model;
}

function short(name: string): string {
  return name.length > 60 ? `${name.slice(0, 60)}…` : name;
}
