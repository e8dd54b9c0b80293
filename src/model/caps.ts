/**
 * Caps on the sizes a call can ask for, so a mistyped number is a RangeError rather than an
 * allocation of gigabytes or hundreds of threads.
 */

/**
 * Most sequences a stream advances together (`createStream(batchSize)`).
 * @category Model
 */
export const MAX_STREAM_BATCH = 65_536;

/**
 * Most tokens one `generate` call produces (64 MiB of ids).
 * @category Text
 */
export const MAX_GENERATE_LENGTH = 2 ** 24;

/**
 * Most threads `useThreads` accepts: twice the logical processors the runtime reports
 * (`navigator.hardwareConcurrency`), and at least 16 (also when the runtime reports none).
 * @example
 * ```ts
 * import { Model, maxThreads } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 4, hiddenSize: 16 });
 * console.log(maxThreads() >= 16); // true: useThreads(n) accepts n up to maxThreads()
 * void model;
 * ```
 * @category Threads & workers
 */
export function maxThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator;
  const cores = nav?.hardwareConcurrency;
  return typeof cores === 'number' && Number.isInteger(cores) && cores > 0
    ? Math.max(16, 2 * cores)
    : 16;
}
