import { checkChoice, checkKeys, describe } from '../tensor/errors.js';
import { fromRows, toRows, type Series } from './series.js';

/**
 * How a {@link Scaler} maps values: to mean 0 and deviation 1, or onto [0, 1].
 * @category Forecasting
 */
export type ScalerKind = 'standard' | 'minmax';

/**
 * The saved form of a {@link Scaler}.
 * @category Forecasting
 */
export interface ScalerJSON {
  /** How it scales. */
  kind: ScalerKind;
  /** Per feature: the value mapped to 0 (the mean, or the minimum). */
  offset: number[];
  /** Per feature: the width mapped to 1 (the deviation, or max - min; 1 for a constant feature). */
  scale: number[];
}

/**
 * Scales each feature of a series by statistics of the training split, and back. Fit it on
 * the training part only, so the held-out part tells nothing to the model; it is saved inside
 * the model file by {@link Forecaster}.
 * @category Forecasting
 * @example
 * ```ts
 * import { Scaler } from 'rnnkit';
 * const scaler = Scaler.fit([1, 2, 3, 4], 'minmax');
 * console.log(scaler.transform([2.5, 5]), scaler.inverse([0, 1])); // [0.5, 1.333…] [1, 4]
 * ```
 */
export class Scaler {
  private constructor(
    /** How it scales. */
    readonly kind: ScalerKind,
    private readonly offset: readonly number[],
    private readonly scale: readonly number[],
  ) {}

  /**
   * A scaler fitted on `series` (the training split): per feature, the mean and deviation
   * (`'standard'`, the default) or the minimum and range (`'minmax'`).
   * @throws TypeError/RangeError for a bad series or kind.
   */
  static fit(series: Series, kind: ScalerKind = 'standard'): Scaler {
    checkChoice('kind', kind, ['standard', 'minmax'] as const);
    const { rows, features } = toRows('series', series);
    const offset: number[] = [];
    const scale: number[] = [];
    for (let f = 0; f < features; f++) {
      const col = rows.map((r) => r[f]);
      if (kind === 'minmax') {
        const lo = Math.min(...col);
        offset.push(lo);
        scale.push(Math.max(...col) - lo || 1);
      } else {
        const mean = col.reduce((a, b) => a + b, 0) / col.length;
        const sd = Math.sqrt(col.reduce((a, v) => a + (v - mean) ** 2, 0) / col.length);
        offset.push(mean);
        scale.push(sd || 1);
      }
    }
    return new Scaler(kind, offset, scale);
  }

  /**
   * A scaler from its saved form, checked (the form is untrusted).
   * @throws TypeError/RangeError naming the bad field.
   */
  static fromJSON(json: unknown): Scaler {
    if (typeof json !== 'object' || json === null)
      throw new TypeError(`scaler is ${describe(json)}, expected { kind, offset, scale }`);
    checkKeys('scaler', json, ['kind', 'offset', 'scale']);
    const { kind, offset, scale } = json as Record<string, unknown>;
    const k = checkChoice('scaler kind', kind, ['standard', 'minmax'] as const);
    const o = toRows('scaler offset', offset).rows.map((r) => r[0]);
    const s = toRows('scaler scale', scale).rows.map((r) => r[0]);
    if (o.length !== s.length || s.some((v) => v <= 0)) {
      throw new RangeError(
        `scaler has ${o.length} offsets and ${s.length} scales, expected as many, each scale > 0`,
      );
    }
    return new Scaler(k, o, s);
  }

  /** Number of features it scales. */
  get features(): number {
    return this.offset.length;
  }

  /** `series` scaled (a new array of the same form). @throws RangeError for another feature count. */
  transform(series: Series): number[] | number[][] {
    return this.map(series, (v, f) => (v - this.offset[f]) / this.scale[f]);
  }

  /** Scaled values back in the series' units (a new array of the same form). */
  inverse(series: Series): number[] | number[][] {
    return this.map(series, (v, f) => v * this.scale[f] + this.offset[f]);
  }

  /** The saved form: plain numbers, for JSON or a model file's metadata. */
  toJSON(): ScalerJSON {
    return { kind: this.kind, offset: [...this.offset], scale: [...this.scale] };
  }

  private map(series: Series, fn: (v: number, f: number) => number): number[] | number[][] {
    const { rows, features, flat } = toRows('series', series);
    if (features !== this.features) {
      throw new RangeError(
        `series has ${features} features per step, the scaler was fitted on ${this.features}`,
      );
    }
    return fromRows(
      rows.map((r) => r.map(fn)),
      flat,
    );
  }
}
