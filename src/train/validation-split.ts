import { checkRange } from '../tensor/errors.js';

/** Anything holding N rows that can gather some of them into a batch. */
export interface Rows<B> {
  N: number;
  batch(rows: readonly number[]): B;
}

/**
 * Splits `table` into training rows and validation rows: the last `round(fraction · N)` rows
 * (before any shuffling, as Keras does) are held out. Nothing is copied.
 * @throws RangeError unless the fraction is in (0, 1) and leaves at least one row on each side.
 */
export function splitValidation<B>(
  table: Rows<B>,
  fraction: number,
): { train: Rows<B>; validation: Rows<B> } {
  checkRange('validationSplit', fraction, 0, 1);
  const held = Math.round(fraction * table.N);
  if (held < 1 || held >= table.N) {
    throw new RangeError(
      `validationSplit ${fraction} of ${table.N} sequences holds out ${held}, expected at least one on each side`,
    );
  }
  return {
    train: subset(table, 0, table.N - held),
    validation: subset(table, table.N - held, table.N),
  };
}

function subset<B>(table: Rows<B>, start: number, end: number): Rows<B> {
  return {
    N: end - start,
    batch: (rows) => table.batch(rows.map((r) => r + start)),
  };
}
