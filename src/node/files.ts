import { open, rename, stat, unlink, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
// Only public names from below: the build points these imports at the main entry, so the
// classes rnnkit/node returns are the ones rnnkit exports (tsup.config.ts).
import { Model } from '../model/model.js';
import type { ModelLoadLimits } from '../model/limits.js';
import { DEFAULT_MAX_PARAMETERS } from '../nn/safetensors.js';
import { Forecaster } from '../forecast/forecaster.js';
import type { ModelFile } from '../io/browser-storage.js';

/** Room for a safetensors header besides the parameters, in bytes (its own bound is 1 MiB). */
const HEADER_ROOM = (1 << 20) + 8;

let counter = 0;

/**
 * Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed to
 * disk, then renamed over `path`, so a crash leaves either the old file or the new one, never
 * half a file. On failure the temporary file is removed and `path` is unchanged.
 * @category Files
 * @example
 * ```ts
 * import { writeFileAtomic } from 'rnnkit/node';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * await writeFileAtomic(join(tmpdir(), 'hello.bin'), new Uint8Array([1, 2, 3]));
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`path is ${shown(path)}, expected a file path`);
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`bytes is ${shown(bytes)}, expected a Uint8Array`);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  const file = await open(temp, 'wx');
  try {
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Saves a model (or a `Forecaster`, scaler included) to `path` as its safetensors file,
 * atomically ({@link writeFileAtomic}).
 * @throws TypeError for something without a file form; the file system's errors otherwise.
 * @category Files
 * @example
 * ```ts
 * import { Model } from 'rnnkit';
 * import { loadModel, saveModel } from 'rnnkit/node';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), 'model.safetensors');
 * await saveModel(new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 4, outputSize: 1 }), path);
 * console.log((await loadModel(path)).parameterCount); // 133
 * ```
 */
export async function saveModel(model: ModelFile, path: string): Promise<void> {
  if (typeof (model as Partial<ModelFile> | null)?.toSafetensors !== 'function')
    throw new TypeError(`model is ${shown(model)}, expected a Model or a Forecaster`);
  await writeFileAtomic(path, model.toSafetensors());
}

/**
 * Loads a model saved by {@link saveModel} (any model safetensors file). The file is
 * untrusted: its size is checked against the limit before it is read, then it is validated as
 * by `Model.fromSafetensors`.
 * @throws RangeError for a file larger than the limits allow; TypeError/RangeError naming the
 *   first bad field; the file system's errors.
 * @category Files
 * @example
 * ```ts
 * import { Model } from 'rnnkit';
 * import { loadModel, saveModel } from 'rnnkit/node';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), 'gru.safetensors');
 * await saveModel(new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8 }), path);
 * const model = await loadModel(path, { maxParameters: 1_000_000 }); // bounded before it is read
 * ```
 */
export async function loadModel(path: string, limits?: ModelLoadLimits): Promise<Model> {
  return Model.fromSafetensors(await readBounded(path, limits), limits);
}

/**
 * Loads a `Forecaster` (model, scaler and window) saved by {@link saveModel}, bounded as
 * {@link loadModel}.
 * @throws as {@link loadModel}, and TypeError for a model file without a forecaster entry.
 * @category Files
 * @example
 * ```ts
 * import { Forecaster, Model, Scaler } from 'rnnkit';
 * import { loadForecaster, saveModel } from 'rnnkit/node';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1, head: 'last' });
 * const path = join(tmpdir(), 'forecaster.safetensors');
 * await saveModel(new Forecaster(model, { scaler: Scaler.fit([1, 5, 3]), window: 12 }), path);
 * const forecaster = await loadForecaster(path);
 * console.log(forecaster.forecast([1, 5, 3], 2)); // de-scaled, in the series' units
 * ```
 */
export async function loadForecaster(path: string, limits?: ModelLoadLimits): Promise<Forecaster> {
  return Forecaster.fromSafetensors(await readBounded(path, limits), limits);
}

async function readBounded(path: string, limits: ModelLoadLimits | undefined): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`path is ${shown(path)}, expected a file path`);
  // The limits are validated by the loader; a bad one bounds nothing here and throws there.
  const maxBytes = (limits?.maxParameters ?? DEFAULT_MAX_PARAMETERS) * 8 + HEADER_ROOM;
  const { size } = await stat(path);
  if (size > maxBytes) {
    throw new RangeError(
      `${path} has ${size} bytes, more than a model within the limits can take (${maxBytes})`,
    );
  }
  return new Uint8Array(await readFile(path));
}

function shown(value: unknown): string {
  return typeof value === 'string'
    ? `'${value.slice(0, 40)}'`
    : value === null
      ? 'null'
      : typeof value;
}
