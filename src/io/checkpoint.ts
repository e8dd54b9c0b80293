import { Model } from '../model/model.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { checkInt, describe } from '../tensor/errors.js';
import { checkSeed } from '../tensor/rng.js';
import { readSafetensorsHeader, readTensor, type SafetensorsEntry } from '../nn/safetensors.js';
import { modelEntries, modelToSafetensors, parseMetadataJson } from '../model/safetensors.js';
import { checkModelLimits, type ModelLoadLimits } from '../model/limits.js';
import { checkStateDict } from '../nn/state-dict.js';
import { dropoutModeOf } from '../model/dropout-mode.js';
import { checkFitState, freshState, type FitState } from '../train/fit-state.js';

/**
 * Where a training run stands, besides the weights and the optimizer state.
 * @category Files
 */
export interface CheckpointProgress {
  /** Epochs completed: pass it to `fit` as `initialEpoch` to go on. */
  epoch: number;
  /** The `seed` given to `fit` (default 0), so the resumed run shuffles the same way. */
  seed?: number;
}

/**
 * What {@link loadCheckpoint} restores.
 * @category Files
 */
export interface LoadedCheckpoint {
  /** A new model with the saved options, parameters and dropout generator. */
  model: Model;
  /** Epochs completed: pass it to `fit` as `initialEpoch`. */
  epoch: number;
  /** The `seed` the run was shuffled with: pass it to `fit` as `seed`. */
  seed: number;
  /** The whole run's state: pass it to `fit` as `resume` to go on exactly. */
  state: FitState;
}

/**
 * The checkpoint format this version writes; version 1 files (no `checkpoint` key) still load.
 * @category Files
 */
export const CHECKPOINT_FORMAT = 'rnnkit-checkpoint/2';
const OPTIMIZER = 'optimizer.';
const BEST = 'best.';
const RESUME = 'resume.';
const META_KEYS = ['checkpoint', 'optimizer', 'progress', 'fit', 'generator'];

/**
 * One file holding a training run: the model's parameters and dropout generator, the
 * optimizer's state and the progress, as safetensors bytes (parameters under their PyTorch
 * names, optimizer buffers as F64 `optimizer.exp_avg`, ..., early stopping's best weights as
 * `best.<name>`; options, progress, schedule and early-stopping counters in `__metadata__`,
 * with the format version and a CRC-32 of the whole file). `progress` is `{ epoch, seed? }`, or
 * `FitHistory.state` for an exact resume of everything. Allocates the buffer.
 * @throws TypeError/RangeError for bad progress, or an optimizer holding state for another
 *   number of parameters.
 * @example
 * ```ts
 * import { Model, adam, fit, loadCheckpoint, mseLoss, saveCheckpoint } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1 });
 * const optimizer = adam();
 * fit(model, { inputs: [[[1], [0]]], targets: [[[0], [1]]] }, { loss: mseLoss(), optimizer, epochs: 2 });
 * const bytes = saveCheckpoint(model, optimizer, { epoch: 2 });
 * const resumed = loadCheckpoint(bytes, adam()); // { model, epoch: 2, seed: 0 }
 * console.log(resumed.epoch);
 * ```
 * @category Files
 */
export function saveCheckpoint(
  model: Model,
  optimizer: Optimizer,
  progress: CheckpointProgress | FitState,
): Uint8Array {
  if (typeof progress !== 'object' || progress === null)
    throw new TypeError(`progress is ${describe(progress)}, expected { epoch, seed? }`);
  checkOptimizer(optimizer);
  const epoch = checkInt('epoch', progress.epoch, 0);
  const seed = checkSeed('seed', progress.seed ?? 0);
  const full = 'skippedRun' in progress ? checkFitState(progress) : freshState(epoch, seed);
  const state = optimizer.stateDict();
  const tensors: Record<string, Tensor> = {};
  for (const [key, buf] of Object.entries(state.state)) {
    if (buf.length !== model.parameterCount) {
      throw new RangeError(
        `optimizer holds ${key} for ${buf.length} parameters, the model has ${model.parameterCount}`,
      );
    }
    tensors[OPTIMIZER + key] = new Tensor([buf.length], Float64Array.from(buf));
  }
  const { weights: best, ...stopping } = full.earlyStopping ?? { weights: null };
  for (const [name, t] of Object.entries(best ?? {})) tensors[BEST + name] = t;
  for (const [name, t] of Object.entries(full.weights ?? {})) tensors[RESUME + name] = t;
  const { schedule, partial, batch, skippedRun } = full;
  const fit = {
    batch,
    skippedRun,
    partial,
    schedule,
    earlyStopping: full.earlyStopping && stopping,
  };
  return modelToSafetensors(model.options, model.params, tensors, {
    checkpoint: CHECKPOINT_FORMAT,
    optimizer: JSON.stringify({ name: state.name, lr: state.lr, step: state.step }),
    progress: JSON.stringify({ epoch, seed }),
    fit: JSON.stringify(fit),
    generator: JSON.stringify(dropoutModeOf(model)?.generator ?? null),
  });
}

/**
 * Restores a run from {@link saveCheckpoint}'s bytes: returns a new model and the run's state,
 * and loads the optimizer state into `optimizer` (built with the same kind and options as the
 * saved one). The bytes are untrusted: the CRC-32 is checked first, then everything is validated
 * as by `Model.fromSafetensors` (and the optimizer's buffers by meaning: second moments >= 0)
 * before anything is allocated; when it throws, `optimizer` is unchanged.
 * @throws TypeError/RangeError naming the first bad field.
 * @example
 * ```ts
 * import { Model, adam, loadCheckpoint, saveCheckpoint } from 'rnnkit';
 * const bytes = saveCheckpoint(new Model({ cell: 'rnn', inputSize: 1, hiddenSize: 2 }), adam(), { epoch: 0 });
 * const optimizer = adam(); // the same kind as the saved one; its state is loaded into it
 * const { model, epoch, seed } = loadCheckpoint(bytes, optimizer, { maxParameters: 10_000 });
 * console.log(model.parameterCount, epoch, seed); // go on with fit(model, data, { optimizer, initialEpoch: epoch, seed })
 * ```
 * @category Files
 */
export function loadCheckpoint(
  bytes: Uint8Array,
  optimizer: Optimizer,
  limits?: ModelLoadLimits,
): LoadedCheckpoint {
  checkOptimizer(optimizer);
  const maxParameters = checkModelLimits(limits);
  const header = readSafetensorsHeader(bytes, { maxParameters: 4 * maxParameters });
  const version = header.metadata.checkpoint;
  if (version !== undefined && version !== CHECKPOINT_FORMAT)
    throw new TypeError(
      `checkpoint format is ${describe(version)}, expected '${CHECKPOINT_FORMAT}' (or none)`,
    );
  const progress = objectIn(parseMetadataJson(header.metadata.progress, 'progress'), 'progress');
  const epoch = checkInt('checkpoint epoch', progress.epoch, 0);
  const seed = checkSeed('checkpoint seed', progress.seed);
  const meta = objectIn(parseMetadataJson(header.metadata.optimizer, 'optimizer'), 'optimizer');
  const groups = group(header.entries);
  const { options, tensors } = modelEntries(bytes, header, groups[''], maxParameters, META_KEYS);
  const model = new Model(options);
  model.loadStateDict(tensors);
  const state = fitState(bytes, header.metadata, groups, epoch, seed, model);
  const buffers: Record<string, ArrayLike<number>> = {};
  for (const e of groups[OPTIMIZER]) {
    if (e.shape.length !== 1 || e.shape[0] !== model.parameterCount) {
      throw new RangeError(
        `checkpoint entry ${describe(e.name)} has shape [${e.shape.join(', ')}], expected [${model.parameterCount}]`,
      );
    }
    define(buffers, e.name.slice(OPTIMIZER.length), readTensor(bytes, e).data);
  }
  const generator =
    version === undefined ? null : parseMetadataJson(header.metadata.generator, 'generator');
  const mode = dropoutModeOf(model);
  if (generator !== null && mode !== null)
    mode.generator = generator as FitState['dropout'] & object;
  optimizer.loadStateDict({
    name: meta.name as string,
    lr: meta.lr as number,
    step: meta.step as number,
    state: buffers,
  });
  return { model, epoch, seed, state: { ...state, dropout: mode?.generator ?? null } };
}

/** The entries by prefix: the model's ('' ), the optimizer's, the best and the resume weights. */
function group(entries: SafetensorsEntry[]): Record<string, SafetensorsEntry[]> {
  const out: Record<string, SafetensorsEntry[]> = {
    '': [],
    [OPTIMIZER]: [],
    [BEST]: [],
    [RESUME]: [],
  };
  for (const e of entries) {
    const prefix = [OPTIMIZER, BEST, RESUME].find((p) => e.name.startsWith(p)) ?? '';
    out[prefix].push(e);
  }
  return out;
}

/** The run state in a checkpoint (version 2), or a fresh one at `epoch` (version 1). */
function fitState(
  bytes: Uint8Array,
  metadata: Record<string, string>,
  groups: Record<string, SafetensorsEntry[]>,
  epoch: number,
  seed: number,
  model: Model,
): FitState {
  if (metadata.fit === undefined) return freshState(epoch, seed);
  const saved = objectIn(parseMetadataJson(metadata.fit, 'fit'), 'fit');
  const weights = (prefix: string): Record<string, Tensor> | null => {
    if (groups[prefix].length === 0) return null;
    const out: Record<string, Tensor> = {};
    for (const e of groups[prefix]) define(out, e.name.slice(prefix.length), readTensor(bytes, e));
    return out;
  };
  const stopping = saved.earlyStopping as Record<string, unknown> | null;
  const state = {
    ...freshState(epoch, seed),
    batch: saved.batch,
    skippedRun: saved.skippedRun,
    partial: saved.partial,
    schedule: saved.schedule,
    earlyStopping: stopping === null ? null : { ...stopping, weights: weights(BEST) },
    weights: weights(RESUME),
  };
  const checked = checkFitState(state);
  // Weights that do not fit the model are an error now, not at the end of the resumed run.
  for (const w of [checked.earlyStopping?.weights, checked.weights]) {
    if (w != null) checkStateDict(model.params.list, w, model.options.dtype);
  }
  return checked;
}

function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true });
}

function checkOptimizer(optimizer: unknown): void {
  const o = optimizer as Partial<Optimizer> | null;
  if (typeof o?.stateDict !== 'function' || typeof o.loadStateDict !== 'function')
    throw new TypeError(
      `optimizer is ${describe(optimizer)}, expected an Optimizer such as adam({ lr }) with stateDict and loadStateDict`,
    );
}

function objectIn(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(
      `safetensors __metadata__.${field} is ${describe(value)}, expected an object`,
    );
  return value as Record<string, unknown>;
}
