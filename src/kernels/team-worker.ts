import type { TeamSlots } from './team-protocol.js';

/** What a team's worker is sent when it starts. */
export interface TeamInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** This worker's place (1, 2, …; the calling thread is 0). */
  index: number;
  /** The kernels module's exports, in the order KERNEL counts them. */
  kernels: readonly string[];
  slots: TeamSlots;
}

/**
 * The script of a kernel team's worker thread, as source text: it runs with `eval` in Node and
 * from a Blob URL in a page, so the package ships no worker file. It is kept as text rather
 * than compiled from a function, because build tools rewrite functions with helpers of their
 * own (`__name`, `__require`) that a worker does not have. The control slots arrive with the
 * init message (team-protocol.ts); test/kernel-team.test.ts runs it.
 *
 * The worker instantiates the kernels module on the model's shared memory and loops: it waits
 * for a new job number (spinning for half a millisecond, then sleeping in Atomics.wait), calls
 * the job's kernel with its own arguments (its share, its rows, its scratch), and counts itself
 * done. `port` is Node's parentPort, or null in a page (which listens on its global scope).
 */
const WORKER_BODY = `
function teamWorker(port) {
  var SPIN_MS = 0.5;
  function next(ctrl, seq, seen) {
    var until = performance.now() + SPIN_MS;
    for (var spins = 0; Atomics.load(ctrl, seq) === seen; spins++) {
      if ((spins & 1023) === 1023 && performance.now() > until) Atomics.wait(ctrl, seq, seen);
    }
    return Atomics.load(ctrl, seq);
  }
  function run(init, reply) {
    var slot = init.slots;
    var instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
    var kernels = init.kernels.map(function (name) { return instance.exports[name]; });
    var ctrl = new Int32Array(init.control);
    var base = slot.ARGS + init.index * slot.ARG_SLOTS;
    reply.postMessage('ready');
    var seen = 0;
    for (;;) {
      seen = next(ctrl, slot.SEQ, seen);
      var kernel = ctrl[slot.KERNEL];
      if (kernel === slot.CLOSE) break;
      try {
        // Flags arrive as 0 and 1 and addresses below 2 GiB: wasm takes both as i32.
        var args = Array.prototype.slice.call(ctrl, base, base + ctrl[slot.COUNT]);
        kernels[kernel].apply(null, args);
      } catch (e) {
        Atomics.store(ctrl, slot.FAILED, 1);
      }
      Atomics.add(ctrl, slot.DONE, 1);
    }
  }
  if (port !== null) {
    port.once('message', function (init) { run(init, port); });
    return;
  }
  self.onmessage = function (e) {
    self.onmessage = null;
    run(e.data, self);
  };
}
`;

/**
 * The worker's source: for Node (`new Worker(source, { eval: true })`, a CommonJS script) or for
 * a page's Worker. A function, so that bundles that never start threads drop the text.
 */
export function teamWorkerSource(runtime: 'node' | 'page'): string {
  const port = runtime === 'node' ? "require('node:worker_threads').parentPort" : 'null';
  return `${WORKER_BODY}teamWorker(${port});`;
}
