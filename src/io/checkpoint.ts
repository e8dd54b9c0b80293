import { Model } from '../model/model.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { checkInt, describe } from '../tensor/errors.js';
import { checkSeed } from '../tensor/rng.js';
import { readSafetensorsHeader, readTensor } from '../nn/safetensors.js';
import { modelEntries, modelToSafetensors, parseMetadataJson } from '../model/safetensors.js';
import { checkModelLimits, type ModelLoadLimits } from '../model/limits.js';

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
  /** A new model with the saved options and parameters. */
  model: Model;
  /** Epochs completed: pass it to `fit` as `initialEpoch`. */
  epoch: number;
  /** The `seed` the run was shuffled with: pass it to `fit` as `seed`. */
  seed: number;
}

const OPTIMIZER_PREFIX = 'optimizer.';

/**
 * One file holding a training run: the model's parameters, the optimizer's state and the
 * progress (epoch, seed), as safetensors bytes (parameters under their PyTorch names, optimizer
 * buffers as F64 `optimizer.exp_avg`, ...; options and progress in `__metadata__`). Write the
 * bytes with `fs.writeFileSync` in Node or offer them as a download in a browser.
 * Allocates the buffer.
 * @throws TypeError/RangeError for a bad epoch or seed, or an optimizer holding state for
 *   another number of parameters.
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
  progress: CheckpointProgress,
): Uint8Array {
  if (typeof progress !== 'object' || progress === null)
    throw new TypeError(`progress is ${describe(progress)}, expected { epoch, seed? }`);
  const epoch = checkInt('epoch', progress.epoch, 0);
  const seed = checkSeed('seed', progress.seed ?? 0);
  const state = optimizer.stateDict();
  const buffers: Record<string, Tensor> = {};
  for (const [key, buf] of Object.entries(state.state)) {
    if (buf.length !== model.parameterCount) {
      throw new RangeError(
        `optimizer holds ${key} for ${buf.length} parameters, the model has ${model.parameterCount}`,
      );
    }
    buffers[OPTIMIZER_PREFIX + key] = new Tensor([buf.length], Float64Array.from(buf));
  }
  return modelToSafetensors(model.options, model.params, buffers, {
    optimizer: JSON.stringify({ name: state.name, lr: state.lr, step: state.step }),
    progress: JSON.stringify({ epoch, seed }),
  });
}

/**
 * Restores a run from {@link saveCheckpoint}'s bytes: returns a new model and the progress, and
 * loads the optimizer state into `optimizer` (built with the same kind and options as the
 * saved one). The bytes are untrusted and validated as by `Model.fromSafetensors` before
 * anything is allocated; when it throws, `optimizer` is unchanged.
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
  const maxParameters = checkModelLimits(limits);
  const header = readSafetensorsHeader(bytes, { maxParameters: 4 * maxParameters });
  const progress = objectIn(parseMetadataJson(header.metadata.progress, 'progress'), 'progress');
  const epoch = checkInt('checkpoint epoch', progress.epoch, 0);
  const seed = checkSeed('checkpoint seed', progress.seed);
  const meta = objectIn(parseMetadataJson(header.metadata.optimizer, 'optimizer'), 'optimizer');
  const params = header.entries.filter((e) => !e.name.startsWith(OPTIMIZER_PREFIX));
  const buffers = header.entries.filter((e) => e.name.startsWith(OPTIMIZER_PREFIX));
  const { options, tensors } = modelEntries(bytes, header, params, maxParameters);
  const model = new Model(options);
  model.loadStateDict(tensors);
  const state: Record<string, ArrayLike<number>> = {};
  for (const e of buffers) {
    if (e.shape.length !== 1 || e.shape[0] !== model.parameterCount) {
      throw new RangeError(
        `checkpoint entry ${e.name.slice(0, 60)} has shape [${e.shape.join(', ')}], expected [${model.parameterCount}]`,
      );
    }
    state[e.name.slice(OPTIMIZER_PREFIX.length)] = readTensor(bytes, e).data;
  }
  optimizer.loadStateDict({
    name: meta.name as string,
    lr: meta.lr as number,
    step: meta.step as number,
    state,
  });
  return { model, epoch, seed };
}

function objectIn(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(
      `safetensors __metadata__.${field} is ${describe(value)}, expected an object`,
    );
  return value as Record<string, unknown>;
}
