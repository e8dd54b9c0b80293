import { teamWorkerSource, type TeamInit } from './team-worker.js';

// The worker threads of a kernel team: started from the worker's source text, in Node
// (worker_threads) or in a page (a Worker from a Blob URL), and stopped once their loops end.

let live = 0;

/** Team threads started and not yet stopped, in every team (to check that none is leaked). */
export function liveTeamThreads(): number {
  return live;
}

/** A started worker thread. */
export interface TeamThread {
  /** Resolves once the thread has stopped, after its loop was told to end. */
  stop(): Promise<void>;
}

/** Starts one worker thread (Node's worker_threads, else a page's Worker) and waits until it is ready. */
export async function startThread(init: TeamInit): Promise<TeamThread> {
  const scope = globalThis as { process?: { versions?: { node?: string } } };
  if (scope.process?.versions?.node !== undefined) return startNodeThread(init);
  if (typeof Worker !== 'function')
    throw new Error('threads need Worker, which this runtime lacks');
  const url = URL.createObjectURL(
    new Blob([teamWorkerSource('page')], { type: 'text/javascript' }),
  );
  try {
    const worker = new Worker(url);
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (e) => reject(new Error(`a worker thread failed to start: ${e.message}`));
      worker.postMessage(init);
    });
    // Its loop has ended when it is stopped, so terminating it interrupts nothing.
    return { stop: () => Promise.resolve(worker.terminate()) };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * A Node worker thread. It is stopped by letting its loop end, so its script returns and the
 * thread exits on its own (terminating a thread in the middle of its script can abort the
 * process on Node 20); one that has not exited after 5 s is terminated.
 */
async function startNodeThread(init: TeamInit): Promise<TeamThread> {
  // The specifier is a variable, hidden from bundlers: a page's bundle never resolves it.
  const specifier = 'node:worker_threads';
  const threads = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ specifier
  )) as typeof import('node:worker_threads');
  const worker = new threads.Worker(teamWorkerSource('node'), { eval: true });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`a worker thread exited (${code}) while starting`)),
    );
    worker.postMessage(init);
  });
  worker.removeAllListeners();
  live++;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      live--;
      resolve();
    }),
  );
  worker.unref();
  return {
    stop: async () => {
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
