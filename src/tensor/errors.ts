/** Validation helpers for the public boundary: each throws a TypeError or RangeError naming the value. */

/** Most characters of user data an error message quotes. */
export const MAX_QUOTED = 100;

/** `text` cut to {@link MAX_QUOTED} characters for an error message (its length said when cut). */
export function clipText(text: string): string {
  if (text.length <= MAX_QUOTED) return text;
  return `${text.slice(0, MAX_QUOTED)}… (${text.length} characters)`;
}

/** A string for an error message, JSON-quoted and cut to {@link MAX_QUOTED} characters. */
export function quote(text: string): string {
  if (text.length <= MAX_QUOTED) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_QUOTED))}… (${text.length} characters)`;
}

/** Describes a value for an error message (strings quoted, at most {@link MAX_QUOTED} characters). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return String(value);
}

/** Throws unless `value` is an integer >= `min`. */
export function checkInt(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} is ${describe(value)}, expected an integer >= ${min}`);
  }
  if (value < min) throw new RangeError(`${name} is ${value}, expected an integer >= ${min}`);
  return value;
}

/** Throws unless `value` is a finite number > 0 (or >= 0 when `allowZero`). */
export function checkPositive(name: string, value: unknown, allowZero = false): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} is ${describe(value)}, expected a finite number`);
  }
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(
      `${name} is ${value}, expected a finite number ${allowZero ? '>= 0' : '> 0'}`,
    );
  }
  return value;
}

/** Throws unless `value` is a finite number in [min, max) (or [min, max] when `inclusive`). */
export function checkRange(
  name: string,
  value: unknown,
  min: number,
  max: number,
  inclusive = false,
): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(
      `${name} is ${describe(value)}, expected a number in [${min}, ${max}${inclusive ? ']' : ')'}`,
    );
  }
  if (value < min || value > max || (!inclusive && value === max)) {
    throw new RangeError(
      `${name} is ${value}, expected a number in [${min}, ${max}${inclusive ? ']' : ')'}`,
    );
  }
  return value;
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new TypeError(`${name} is ${describe(value)}, expected true or false`);
  return value;
}

/** Throws unless `value` is one of `choices`. */
export function checkChoice<T extends string>(
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new TypeError(
      `${name} is ${describe(value)}, expected one of ${choices.map((c) => `'${c}'`).join(', ')}`,
    );
  }
  return value as T;
}

/**
 * Throws a TypeError for any key of `options` not in `known`, so a typo such as
 * `hiddensize` is never silently ignored. Suggests the closest known name.
 */
export function checkKeys(what: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${what} is ${describe(options)}, expected an options object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      // Names more than 2 characters apart in length are never within edit distance 2.
      const near = known.find(
        (k) =>
          Math.abs(k.length - key.length) <= 2 &&
          editDistance(k.toLowerCase(), key.toLowerCase()) <= 2,
      );
      const hint = near ? ` (did you mean '${near}'?)` : ` (known: ${known.join(', ')})`;
      throw new TypeError(`${what} has an unknown option '${clipText(key)}'${hint}`);
    }
  }
}

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
