import type { MessagePort, Worker } from 'node:worker_threads';
import { DONE_SEQ, JOB_SEQ, type Job, type Reply } from './protocol.js';
import { missingWorkerMessage, workerScript } from './worker-url.js';
import { currentChoice } from '../kernels/backend.js';

type WorkerThreads = typeof import('node:worker_threads');

/**
 * Defined as true by the package build (tsup.config.ts), which then leaves the source-only
 * worker path out of `dist`; undefined when running from the TypeScript sources.
 */
declare const __RNNKIT_BUILD__: boolean;

/** One worker thread and the synchronous channel to it. */
class Link {
  private seq = 0;
  /** True between a job sent and its reply read. */
  pending = false;

  constructor(
    private readonly threads: WorkerThreads,
    readonly worker: Worker,
    private readonly ctrl: Int32Array,
    private readonly jobs: MessagePort,
    private readonly replies: MessagePort,
  ) {}

  send(job: Job): void {
    this.jobs.postMessage(job);
    this.pending = job.kind !== 'close';
    this.seq++;
    Atomics.store(this.ctrl, JOB_SEQ, this.seq);
    Atomics.notify(this.ctrl, JOB_SEQ);
  }

  /** Blocks until the worker answers the last job, and reads its reply. */
  receive(): Reply {
    for (;;) {
      const done = Atomics.load(this.ctrl, DONE_SEQ);
      if (done === this.seq) break;
      Atomics.wait(this.ctrl, DONE_SEQ, done, 1000);
    }
    this.pending = false;
    const received = this.threads.receiveMessageOnPort(this.replies);
    if (received === undefined)
      return { ok: false, error: 'worker thread finished a job without a reply' };
    return received.message as Reply;
  }
}

let live = 0;

/** Worker threads started by any pool that have not exited yet (to check none is leaked). */
export function liveWorkers(): number {
  return live;
}

/**
 * Worker threads holding replicas of a model, for data-parallel passes: each takes a chunk of
 * the batch. Node only (it blocks the calling thread with Atomics.wait between jobs).
 */
export class ThreadPool {
  private constructor(private readonly links: Link[]) {}

  /** Starts `count` workers, each with a replica built from `modelJson`. */
  static async start(count: number, modelJson: unknown): Promise<ThreadPool> {
    let threads: WorkerThreads;
    try {
      threads = (await importNode('node:worker_threads')) as WorkerThreads;
    } catch {
      throw new Error('useThreads needs Node worker_threads, which this runtime does not have');
    }
    const here = await moduleUrl();
    const ext = here.endsWith('.ts') ? '.ts' : here.endsWith('.cjs') ? '.cjs' : '.js';
    const script = workerScript(new URL(`./worker${ext}`, here));
    await checkScript(script);
    const links: Link[] = [];
    for (let i = 0; i < count; i++) {
      const control = new SharedArrayBuffer(8);
      const jobs = new threads.MessageChannel();
      const replies = new threads.MessageChannel();
      const options = {
        // Each worker instantiates its own kernels and uses the backend chosen here.
        workerData: {
          model: modelJson,
          backend: currentChoice(),
          control,
          jobs: jobs.port2,
          replies: replies.port1,
        },
        transferList: [jobs.port2, replies.port1],
      };
      let worker: Worker;
      if (typeof __RNNKIT_BUILD__ === 'undefined' && String(script).endsWith('.ts'))
        worker = await sourceWorker(threads, script, options);
      else worker = new threads.Worker(script, options);
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) =>
          reject(new Error(`worker thread exited with code ${code} while starting`)),
        );
      });
      worker.removeAllListeners();
      live++;
      worker.once('exit', () => live--);
      worker.unref();
      links.push(new Link(threads, worker, new Int32Array(control), jobs.port1, replies.port2));
    }
    return new ThreadPool(links);
  }

  /** Number of worker threads (the calling thread takes a chunk too). */
  get size(): number {
    return this.links.length;
  }

  /**
   * Sends one job to each of the first `jobs.length` workers, in order. Replies still unread
   * from an earlier call that threw before receiving them are read and dropped first.
   */
  send(jobs: readonly Job[]): void {
    if (jobs.length > this.links.length)
      throw new RangeError(`${jobs.length} jobs for ${this.links.length} worker threads`);
    for (const l of this.links) if (l.pending) l.receive();
    jobs.forEach((job, i) => this.links[i].send(job));
  }

  /**
   * Waits for the answer of every worker that has a job, in order. Every reply is read before
   * anything is thrown, so a failed worker leaves no stale reply for the next call.
   * @throws Error with the first failed worker's message.
   */
  receiveAll(): unknown[] {
    const replies = this.links.filter((l) => l.pending).map((l) => l.receive());
    const failed = replies.find((r) => !r.ok);
    if (failed !== undefined && !failed.ok)
      throw new Error(`worker thread failed: ${failed.error}`);
    return replies.map((r) => (r.ok ? r.value : null));
  }

  /**
   * Stops every worker by letting its job loop end, so its script returns and the thread exits
   * on its own (terminating a thread in the middle of its script can abort the whole process on
   * Node 20). A worker that has not exited after 5 s is terminated.
   */
  async close(): Promise<void> {
    const exits = this.links.map(
      (l) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => void l.worker.terminate(), 5000);
          l.worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
    this.send(this.links.map(() => ({ kind: 'close' }) as Job));
    await Promise.all(exits);
  }
}

/**
 * This module's URL. In an ES module bundled into CommonJS `import.meta` is empty: then the
 * URL of the app's main script, usually the bundle.
 */
async function moduleUrl(): Promise<string> {
  if (typeof import.meta.url === 'string') return import.meta.url;
  const { pathToFileURL } = (await importNode('node:url')) as typeof import('node:url');
  return pathToFileURL(process.argv[1] ?? 'main.js').href;
}

/** Throws an error saying how to provide the worker script when it is not where expected. */
async function checkScript(script: string | URL): Promise<void> {
  const { existsSync } = (await importNode('node:fs')) as typeof import('node:fs');
  if (existsSync(script)) return;
  const { fileURLToPath } = (await importNode('node:url')) as typeof import('node:url');
  const file = script instanceof URL && script.protocol === 'file:';
  throw new Error(missingWorkerMessage(file ? fileURLToPath(script) : String(script)));
}

/**
 * Running from the TypeScript sources (tests, examples), the worker script is TypeScript too:
 * it is loaded through tsx, a development dependency. Not part of the built package.
 */
async function sourceWorker(
  threads: WorkerThreads,
  script: string | URL,
  options: object,
): Promise<Worker> {
  const { createRequire } = (await importNode('node:module')) as typeof import('node:module');
  const { fileURLToPath } = (await importNode('node:url')) as typeof import('node:url');
  const tsx = createRequire(script).resolve('tsx/cjs/api');
  const file = typeof script === 'string' ? script : fileURLToPath(script);
  const boot = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
  return new threads.Worker(boot, { ...options, eval: true });
}

/**
 * Imports a Node built-in at run time only: the specifier is hidden from bundlers, so a browser
 * build of an app that uses rnnkit never tries to resolve it.
 */
function importNode(specifier: string): Promise<unknown> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
}
