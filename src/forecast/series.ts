import { describe } from '../tensor/errors.js';

/**
 * A time series: one value per step, or one row of features per step (`[T, F]`).
 * @category Forecasting
 */
export type Series = readonly number[] | readonly (readonly number[])[];

/** A series checked and stored as rows `[T][F]`, remembering whether it came as plain values. */
export interface Rows {
  rows: number[][];
  features: number;
  flat: boolean;
}

/**
 * Checks `series` (finite numbers, every row of one width) and returns it as copied rows.
 * @throws TypeError/RangeError naming the first bad step.
 */
export function toRows(name: string, series: unknown, minSteps = 1): Rows {
  if (!Array.isArray(series) || series.length < minSteps) {
    throw new RangeError(
      `${name} is ${describe(series)}, expected an array of at least ${minSteps} steps`,
    );
  }
  const flat = !Array.isArray(series[0]);
  const rows = series.map((step: unknown, t) => {
    const row: unknown[] = flat ? [step] : Array.isArray(step) ? step : [step];
    return row.map((v, f) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new (typeof v === 'number' ? RangeError : TypeError)(
          `${name} step ${t}${flat ? '' : ` feature ${f}`} is ${describe(v)}, expected a finite number`,
        );
      }
      return v;
    });
  });
  const features = rows[0].length;
  if (features === 0) throw new RangeError(`${name} step 0 has no features, expected at least 1`);
  rows.forEach((row, t) => {
    if (row.length !== features) {
      throw new RangeError(
        `${name} step ${t} has ${row.length} features, expected ${features} like step 0`,
      );
    }
  });
  return { rows, features, flat };
}

/** Rows back in the form the user gave: plain values for a plain series. */
export function fromRows(rows: number[][], flat: boolean): number[] | number[][] {
  return flat ? rows.map((r) => r[0]) : rows;
}
