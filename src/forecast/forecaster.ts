import { Model } from '../model/model.js';
import type { ModelJSON } from '../model/json.js';
import { checkModelLimits, type ModelLoadLimits } from '../model/limits.js';
import { modelEntries, modelToSafetensors, parseMetadataJson } from '../model/safetensors.js';
import { readSafetensorsHeader } from '../nn/safetensors.js';
import { checkInt, checkKeys, describe } from '../tensor/errors.js';
import { forecast } from './forecast.js';
import { Scaler, type ScalerJSON } from './scaler.js';
import type { Series } from './series.js';

/**
 * What a {@link Forecaster} keeps beside its model.
 * @category Forecasting
 */
export interface ForecasterOptions {
  /** The scaler fitted on the training split (default: none, the model sees raw values). */
  scaler?: Scaler;
  /** Length of the training windows: forecasts feed the last `window` steps (default: all). */
  window?: number;
}

/**
 * The JSON form of a {@link Forecaster}: the model's own JSON form beside the scaler.
 * @category Forecasting
 */
export interface ForecasterJSON {
  /** The model, as `Model.toJSON()` gives it. */
  model: ModelJSON;
  /** The scaler's saved form, or null. */
  scaler: ScalerJSON | null;
  /** The input window, or null for the whole history. */
  window: number | null;
}

/**
 * A forecasting model with the scaler it was trained with, saved together in one model file:
 * the safetensors form is the model's own (`Model.fromSafetensors` reads it) with the scaler
 * and window in `__metadata__.forecaster`.
 * @category Forecasting
 * @example
 * ```ts
 * import { Forecaster, Model, Scaler } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1, head: 'last' });
 * const saved = new Forecaster(model, { scaler: Scaler.fit([10, 20, 30]), window: 2 });
 * const again = Forecaster.fromSafetensors(saved.toSafetensors());
 * console.log(again.forecast([10, 20, 30], 2)); // the same values as saved.forecast(...)
 * ```
 */
export class Forecaster {
  /** The scaler, or null. */
  readonly scaler: Scaler | null;
  /** The input window, or null for the whole history. */
  readonly window: number | null;

  /**
   * Pairs `model` with its scaler and window (kept by reference).
   * @throws TypeError/RangeError for a bad option, or a scaler of another feature count.
   */
  constructor(
    /** The trained model. */
    readonly model: Model,
    options: ForecasterOptions = {},
  ) {
    if (!(model instanceof Model))
      throw new TypeError(`model is ${describe(model)}, expected a Model`);
    checkKeys('forecaster options', options, ['scaler', 'window']);
    if (options.scaler !== undefined && !(options.scaler instanceof Scaler))
      throw new TypeError(`scaler is ${describe(options.scaler)}, expected a Scaler`);
    if (options.scaler && options.scaler.features !== model.options.inputSize) {
      throw new RangeError(
        `scaler was fitted on ${options.scaler.features} features, the model takes ${model.options.inputSize}`,
      );
    }
    this.scaler = options.scaler ?? null;
    this.window = options.window === undefined ? null : checkInt('window', options.window, 1);
  }

  /** The next `steps` values after `history`, de-scaled: `forecast(model, history, steps, ...)`. */
  forecast(history: Series, steps: number): number[] | number[][] {
    return forecast(this.model, history, steps, {
      ...(this.scaler ? { scaler: this.scaler } : {}),
      ...(this.window === null ? {} : { window: this.window }),
    });
  }

  /** The model file: the model's safetensors bytes with the scaler in its metadata. */
  toSafetensors(): Uint8Array {
    const { model } = this;
    return modelToSafetensors(
      model.options,
      model.params,
      {},
      {
        forecaster: JSON.stringify({ scaler: this.scaler?.toJSON() ?? null, window: this.window }),
      },
    );
  }

  /** The JSON form. */
  toJSON(): ForecasterJSON {
    return {
      model: this.model.toJSON(),
      scaler: this.scaler?.toJSON() ?? null,
      window: this.window,
    };
  }

  /**
   * A forecaster from {@link toSafetensors}'s bytes, bounded and validated as by
   * `Model.fromSafetensors` before anything is allocated.
   * @throws TypeError/RangeError naming the first bad field (a model file without a scaler
   *   entry names `__metadata__.forecaster`).
   */
  static fromSafetensors(bytes: Uint8Array, limits?: ModelLoadLimits): Forecaster {
    const maxParameters = checkModelLimits(limits);
    const header = readSafetensorsHeader(bytes, { maxParameters });
    const extra = parseMetadataJson(header.metadata.forecaster, 'forecaster');
    const { scaler, window } = forecasterFields(extra);
    const { options, tensors } = modelEntries(bytes, header, header.entries, maxParameters);
    const model = new Model(options);
    model.loadStateDict(tensors);
    return new Forecaster(model, { ...scaler, ...window });
  }

  /** A forecaster from its JSON form, validated as by `Model.fromJSON`. */
  static fromJSON(json: unknown, limits?: ModelLoadLimits): Forecaster {
    if (typeof json !== 'object' || json === null)
      throw new TypeError(`forecaster is ${describe(json)}, expected { model, scaler, window }`);
    const { scaler, window } = forecasterFields(json);
    const model = Model.fromJSON((json as { model?: unknown }).model, limits);
    return new Forecaster(model, { ...scaler, ...window });
  }
}

function forecasterFields(value: unknown): {
  scaler: { scaler?: Scaler };
  window: { window?: number };
} {
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`forecaster entry is ${describe(value)}, expected { scaler, window }`);
  const { scaler, window } = value as Record<string, unknown>;
  return {
    scaler: scaler === null || scaler === undefined ? {} : { scaler: Scaler.fromJSON(scaler) },
    window:
      window === null || window === undefined ? {} : { window: checkInt('window', window, 1) },
  };
}
