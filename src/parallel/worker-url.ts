import { describe } from '../tensor/errors.js';

/**
 * A URL, typed structurally so that the typings need neither the DOM nor Node's types: a `URL`
 * object fits.
 * @category Threads & workers
 */
export interface UrlLike {
  /** The whole URL, e.g. `file:///srv/app/worker.cjs`. */
  readonly href: string;
}

/** Where {@link setWorkerUrl} said the worker script is, or null for the default. */
let custom: string | URL | null = null;

/**
 * Tells `Model.useThreads` where its worker script is: a file path or a `file:` URL of
 * rnnkit's `dist/worker.cjs`, which holds everything it needs and runs from any folder. Needed
 * when rnnkit is bundled into an app, since the bundle does not contain the worker script; by
 * default the script is found next to rnnkit's own module. `null` restores the default. Applies
 * to threads started afterwards; allocates nothing.
 *
 * @throws TypeError when `url` is not a string, a URL or null; RangeError for an empty string.
 * @example
 * ```ts
 * import { setWorkerUrl } from 'rnnkit';
 * // Bundled by esbuild (--bundle --platform=node), with worker.cjs copied next to the bundle:
 * setWorkerUrl(new URL('./worker.cjs', import.meta.url));
 * setWorkerUrl(null); // back to the default, next to rnnkit's own module
 * ```
 * @category Threads & workers
 */
export function setWorkerUrl(url: string | UrlLike | null): void {
  if (url === null || typeof url === 'string') {
    if (url === '') throw new RangeError('worker URL is an empty string, expected a file path');
    custom = url;
    return;
  }
  if (typeof url !== 'object' || typeof url.href !== 'string') {
    throw new TypeError(`worker URL is ${describe(url)}, expected a file path, a URL or null`);
  }
  custom = new URL(url.href);
}

/** The worker script: the one {@link setWorkerUrl} gave, or `fallback`. */
export function workerScript(fallback: URL): string | URL {
  return custom ?? fallback;
}

/** What to do when the worker script is not at `where`. */
export function missingWorkerMessage(where: string): string {
  return (
    `useThreads cannot find its worker script at ${where}. When rnnkit is bundled into an ` +
    'app, the bundle does not contain that script: copy node_modules/rnnkit/dist/worker.cjs ' +
    "next to the bundle and call setWorkerUrl(new URL('./worker.cjs', import.meta.url)) (or " +
    'with its file path) before useThreads, or leave rnnkit out of the bundle ' +
    '(esbuild --external:rnnkit).'
  );
}
