import { checkKeys, checkPositive, describe } from '../tensor/errors.js';

/**
 * Where `fit`'s progress display writes: anything with a `write(text)` method, such as
 * Node's `process.stdout`. When `isTTY` is true the display is one line redrawn in place (with
 * `\r`) that ends as the epoch's summary line; otherwise it writes that summary line only, once
 * per epoch, suited to CI logs and pipes.
 * @category Training
 */
export interface ProgressWriter {
  /** Writes `text` as it is: lines end with `\n`; a terminal line starts with `\r`. */
  write(text: string): unknown;
  /** True for a terminal: redraw one line instead of printing lines. */
  isTTY?: boolean;
  /** Terminal width in characters, to fit the line (default 80, also when 0: unknown). */
  columns?: number;
}

/**
 * The `progress` option of `fit`: `true` for the defaults, or these settings.
 * @category Training
 */
export interface ProgressOptions {
  /**
   * Where to write (default `process.stdout` where it exists, else `console.log`, one plain line
   * per epoch).
   */
  writer?: ProgressWriter;
  /** Least time between two redraws of the terminal line, in milliseconds (default 100). */
  intervalMs?: number;
}

/** Batch and epoch reports, as `fit` passes them to its callbacks. */
interface BatchReport {
  epoch: number;
  batch: number;
  loss: number;
}
interface EpochReport {
  epoch: number;
  loss: number;
  valLoss: number | null;
}

/** Callbacks that draw the progress of a run; `end` finishes the line. */
export interface ProgressDisplay {
  batch(info: BatchReport): void;
  epoch(info: EpochReport): void;
  end(): void;
}

/**
 * Checks the `progress` option and returns a display for a run of `epochs` epochs of
 * `batches` batches each, or null when the option is off. Throws a TypeError for an option that
 * is neither a boolean nor `{ writer?, intervalMs? }`, a RangeError for a negative interval.
 */
export function createProgress(
  option: boolean | ProgressOptions | undefined,
  epochs: number,
  batches: number,
): ProgressDisplay | null {
  if (option === undefined || option === false) return null;
  if (option !== true && (typeof option !== 'object' || option === null)) {
    throw new TypeError(
      `progress is ${describe(option)}, expected true, false or an options object`,
    );
  }
  const settings: ProgressOptions = option === true ? {} : option;
  checkKeys('progress', settings, ['writer', 'intervalMs']);
  const writer = settings.writer ?? defaultWriter();
  if (typeof writer !== 'object' || writer === null || typeof writer.write !== 'function') {
    throw new TypeError(`progress.writer is ${describe(writer)}, expected { write(text) }`);
  }
  const intervalMs = checkPositive('progress.intervalMs', settings.intervalMs ?? 100, true);
  const draw = writer.isTTY === true ? terminalLine(writer, intervalMs) : plainLines(writer);
  return progressDisplay(draw, epochs, batches);
}

/** Receives the text of the current state; `final` is true at the end of an epoch. */
interface Draw {
  status(text: string, final: boolean): void;
  end(): void;
}

function progressDisplay(draw: Draw, epochs: number, batches: number): ProgressDisplay {
  const started = now();
  const total = epochs * batches;
  const left = (done: number): string =>
    done === 0 ? '?' : clock((((now() - started) / done) * (total - done)) / 1000);
  return {
    batch({ epoch, batch, loss }) {
      const done = epoch * batches + batch + 1;
      const text =
        `epoch ${epoch + 1}/${epochs} ${bar(done / total)} batch ${batch + 1}/${batches}` +
        `  loss ${fixed(loss)}  ${left(done)} left`;
      draw.status(text, false);
    },
    epoch({ epoch, loss, valLoss }) {
      const done = (epoch + 1) * batches;
      const val = valLoss === null ? '' : `  validation ${fixed(valLoss)}`;
      const text =
        `epoch ${epoch + 1}/${epochs} ${bar(done / total)}  loss ${fixed(loss)}` +
        `${val}  ${clock((now() - started) / 1000)} elapsed, ${left(done)} left`;
      draw.status(text, true);
    },
    end: () => draw.end(),
  };
}

/**
 * One line redrawn in place, at most once per `intervalMs`; at the end of an epoch it becomes that
 * epoch's summary and stays, so whatever `onEpoch` prints comes on the next line.
 */
function terminalLine(writer: ProgressWriter, intervalMs: number): Draw {
  let drawnAt = -Infinity;
  let open = false;
  return {
    status(text, final) {
      const t = now();
      if (!final && t - drawnAt < intervalMs) return;
      drawnAt = t;
      // A terminal of unknown size (columns 0 or missing) counts as 80 wide.
      const columns = writer.columns !== undefined && writer.columns > 0 ? writer.columns : 80;
      const width = Math.max(20, columns - 1);
      writer.write(`\r${text.slice(0, width)}\x1b[K${final ? '\n' : ''}`);
      open = !final;
    },
    end() {
      if (open) writer.write('\n');
      open = false;
    },
  };
}

/** One plain line per epoch. */
function plainLines(writer: ProgressWriter): Draw {
  return {
    status(text, final) {
      if (final) writer.write(`${text}\n`);
    },
    end() {},
  };
}

function defaultWriter(): ProgressWriter {
  const proc = (globalThis as { process?: { stdout?: ProgressWriter } }).process;
  if (proc?.stdout !== undefined && typeof proc.stdout.write === 'function') return proc.stdout;
  return { write: (text: string) => console.log(text.replace(/\n$/, '')), isTTY: false };
}

function bar(fraction: number, width = 20): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

function fixed(value: number): string {
  return Number.isFinite(value) && Math.abs(value) < 1e-3 && value !== 0
    ? value.toExponential(2)
    : value.toFixed(4);
}

/** Seconds as m:ss, or h:mm:ss from an hour. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
