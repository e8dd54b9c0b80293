/**
 * Workload sizes, timing policy and the shared timing loop used by every benchmark backend.
 */

export type Cell = 'rnn' | 'lstm' | 'gru';
export const CELLS: readonly Cell[] = ['rnn', 'lstm', 'gru'];

/** Sizes of one sequence-to-sequence regression workload (a Linear head at every step). */
export interface Workload {
  /** time steps per sequence */
  T: number;
  /** input features */
  I: number;
  /** hidden units */
  H: number;
  /** sequences per batch */
  B: number;
  /** outputs per step */
  O: number;
  /** SGD learning rate */
  lr: number;
}

/** W1: T=50, I=16, H=128, B=32, O=16, MSE, SGD lr 0.01, float32. */
export const W1: Workload = { T: 50, I: 16, H: 128, B: 32, O: 16, lr: 0.01 };
/** W2, the same at scale: T=100, I=64, H=512, B=32, O=16. */
export const W2: Workload = { T: 100, I: 64, H: 512, B: 32, O: 16, lr: 0.01 };

/** The named workloads, in the order they are measured. */
export const WORKLOADS = { W1, W2 } as const;
export type WorkloadName = keyof typeof WORKLOADS;
export const WORKLOAD_NAMES: readonly WorkloadName[] = ['W1', 'W2'];

/** `T=50, I=16, H=128, B=32, O=16` */
export function describeWorkload(w: Workload): string {
  return `T=${w.T}, I=${w.I}, H=${w.H}, B=${w.B}, O=${w.O}`;
}

/** How long and how often one figure is measured. */
export interface Timing {
  /** untimed calls before measuring */
  warmup: number;
  /** timed repeats; the figure is their median */
  repeats: number;
  /** each repeat calls the function until at least this many milliseconds have passed */
  minRepeatMs: number;
  /**
   * Budget for the timed repeats of one figure: when a single call is slow, fewer repeats
   * are made (never fewer than one).
   */
  maxTotalMs: number;
}

export const FULL_TIMING: Timing = { warmup: 2, repeats: 5, minRepeatMs: 1000, maxTotalMs: 30_000 };
export const QUICK_TIMING: Timing = { warmup: 1, repeats: 3, minRepeatMs: 200, maxTotalMs: 2000 };
/** The quick run's scaling table: one timed repeat per point. */
export const QUICK_SCALING_TIMING: Timing = {
  warmup: 3,
  repeats: 1,
  minRepeatMs: 300,
  maxTotalMs: 1000,
};

/**
 * The time one unit of work takes (a sequence, or a streaming step): wall-clock time, and the
 * CPU time (user + system) of the whole process, which counts every thread it runs and not
 * the time other processes take from it on a shared machine.
 */
export interface Rate {
  wallUs: number;
  cpuUs: number;
}

/**
 * The figures of one (library, cell, workload, threads): a training step (forward, BPTT and
 * the optimizer) per sequence, batched inference per sequence, and one streaming step (B=1,
 * state carried, head applied). A figure a library does not offer is absent.
 */
export interface Figures {
  train?: Rate;
  infer?: Rate;
  step?: Rate;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Microseconds of CPU time this process has used (all its threads). */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Calls `fn` repeatedly and returns the median time per unit, wall and CPU (each the median
 * over the repeats), where one call processes `unitsPerCall` units.
 */
export async function timeRate(
  fn: () => void | Promise<void>,
  unitsPerCall: number,
  timing: Timing,
): Promise<Rate> {
  const call = async (): Promise<void> => {
    const r = fn();
    if (r instanceof Promise) await r;
  };
  // Warm-up: at least one call; further ones only while they fit in half the budget.
  let single = 0;
  let warm = 0;
  for (
    let i = 0;
    i < Math.max(1, timing.warmup) && (i === 0 || warm < timing.maxTotalMs / 2);
    i++
  ) {
    const t0 = performance.now();
    await call();
    single = performance.now() - t0;
    warm += single;
  }
  const perRepeat = Math.max(single, timing.minRepeatMs);
  const repeats = Math.max(1, Math.min(timing.repeats, Math.floor(timing.maxTotalMs / perRepeat)));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const c0 = cpuMicros();
    const t0 = performance.now();
    let elapsed = 0;
    do {
      await call();
      calls++;
      elapsed = performance.now() - t0;
    } while (elapsed < timing.minRepeatMs);
    const units = calls * unitsPerCall;
    cpu.push((cpuMicros() - c0) / units);
    wall.push((Math.max(elapsed, 1e-3) * 1000) / units);
  }
  return { wallUs: median(wall), cpuUs: median(cpu) };
}

/** Throws when a training loss or an output value is not a finite number. */
export function assertFinite(values: ArrayLike<number> | number, what: string): void {
  if (typeof values === 'number') {
    if (!Number.isFinite(values)) throw new Error(`${what} is ${String(values)}`);
    return;
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`${what} contains ${String(values[i])}`);
  }
}

/** The first line of an error's message. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim() || 'unknown error';
}

/** The value of the command-line option `--name=value` in `argv`, or undefined. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The comma-separated values of `--name=…` in `argv`, each one of `all`, or undefined. */
export function argList<T extends string>(
  argv: readonly string[],
  name: string,
  all: readonly T[],
): T[] | undefined {
  const values = argValue(argv, name)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const v of values ?? []) {
    if (!(all as readonly string[]).includes(v)) {
      throw new Error(`unknown ${name} value '${v}' (expected one of ${all.join(', ')})`);
    }
  }
  return values as T[] | undefined;
}
