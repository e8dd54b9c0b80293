import { Model } from '../model/model.js';
import type { ModelLoadLimits } from '../model/limits.js';
import { describe } from '../tensor/errors.js';

/**
 * Where in IndexedDB the model files go.
 * @category Files
 */
export interface IndexedDbOptions {
  /** Database name (default `'rnnkit'`); the files sit in its object store `'models'`. */
  database?: string;
  /** Limits for loading the untrusted bytes back (see `Model.fromSafetensors`). */
  limits?: ModelLoadLimits;
}

/**
 * Anything with a model file form: a `Model` or a `Forecaster`.
 * @category Files
 */
export interface ModelFile {
  /** The file's bytes (safetensors). */
  toSafetensors(): Uint8Array;
}

const STORE = 'models';

/**
 * Saves the model's safetensors file (a `Forecaster`'s keeps its scaler) in the browser's
 * IndexedDB under `key`, in one transaction: it completes or changes nothing. Touches
 * `indexedDB` only when called.
 * @throws TypeError when there is no IndexedDB or `key` is not a non-empty string; the
 *   database's errors (quota, ...) reject the promise.
 * @category Files
 * @example
 * ```ts
 * import { Model, saveToIndexedDB, loadFromIndexedDB } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * await saveToIndexedDB(model, 'my-model'); // in a browser page or worker
 * const again = await loadFromIndexedDB('my-model');
 * ```
 */
export async function saveToIndexedDB(
  model: ModelFile,
  key: string,
  options: IndexedDbOptions = {},
): Promise<void> {
  const bytes = fileBytes(model);
  checkKey(key);
  const db = await openDatabase(options.database);
  try {
    await request(db, 'readwrite', (store) => store.put(bytes, key));
  } finally {
    db.close();
  }
}

/**
 * The safetensors bytes saved under `key` by {@link saveToIndexedDB}, or null when there are
 * none. Touches `indexedDB` only when called.
 * @throws as {@link saveToIndexedDB}.
 * @category Files
 * @example
 * ```ts
 * import { Forecaster, readFromIndexedDB } from 'rnnkit';
 * const bytes = await readFromIndexedDB('my-forecaster');
 * const forecaster = bytes && Forecaster.fromSafetensors(bytes);
 * ```
 */
export async function readFromIndexedDB(
  key: string,
  options: IndexedDbOptions = {},
): Promise<Uint8Array | null> {
  checkKey(key);
  const db = await openDatabase(options.database);
  try {
    const value = await request(db, 'readonly', (store) => store.get(key));
    if (value === undefined) return null;
    if (!(value instanceof Uint8Array))
      throw new TypeError(`IndexedDB entry '${key}' is ${describe(value)}, expected model bytes`);
    return value;
  } finally {
    db.close();
  }
}

/**
 * The model saved under `key`, validated as by `Model.fromSafetensors` (with
 * `options.limits`), or null when nothing is saved under it.
 * @throws as {@link saveToIndexedDB}; TypeError/RangeError for bytes that are not a valid model.
 * @category Files
 * @example
 * ```ts
 * import { loadFromIndexedDB } from 'rnnkit';
 * const model = await loadFromIndexedDB('my-model', { limits: { maxParameters: 1_000_000 } });
 * ```
 */
export async function loadFromIndexedDB(
  key: string,
  options: IndexedDbOptions = {},
): Promise<Model | null> {
  const bytes = await readFromIndexedDB(key, options);
  return bytes === null ? null : Model.fromSafetensors(bytes, options.limits);
}

/**
 * Offers the model's safetensors file as a download named `filename` (a click on a temporary
 * link to a Blob). Touches `document` only when called.
 * @throws TypeError outside a page with a `document`.
 * @category Files
 * @example
 * ```ts
 * import { Model, downloadModel } from 'rnnkit';
 * const model = new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * downloadModel(model, 'model.safetensors'); // in a browser page
 * ```
 */
export function downloadModel(model: ModelFile, filename = 'model.safetensors'): void {
  const bytes = fileBytes(model);
  if (typeof document === 'undefined' || typeof URL.createObjectURL !== 'function')
    throw new TypeError('downloadModel needs a browser page (document and URL.createObjectURL)');
  const url = URL.createObjectURL(new Blob([bytes.slice()], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function fileBytes(model: ModelFile): Uint8Array {
  if (typeof (model as Partial<ModelFile> | null)?.toSafetensors !== 'function')
    throw new TypeError(`model is ${describe(model)}, expected a Model or a Forecaster`);
  return model.toSafetensors();
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' || key === '')
    throw new TypeError(`key is ${describe(key)}, expected a non-empty string`);
}

function openDatabase(name = 'rnnkit'): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined')
    throw new TypeError('IndexedDB is not available here: call this in a browser page or worker');
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

function request(
  db: IDBDatabase,
  mode: IDBTransactionMode,
  run: (store: IDBObjectStore) => IDBRequest,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = run(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
