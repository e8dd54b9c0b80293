import type { TeamSlots } from './team-protocol.js';

/** What a team's worker is sent when it starts. */
export interface TeamInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** This worker's first slot in the control block (team-protocol.ts `workerSlot`). */
  base: number;
  /** The kernels module's exports, in the order a call names its kernel by. */
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
 * for jobs to be posted (spinning for half a millisecond, then sleeping in Atomics.wait), makes
 * each job's calls in order, each with its own arguments (its share, its rows, its scratch),
 * and after each job stores how many it has made (its slots: a line for its progress, then
 * its ring of jobs). A call's slots are [kernel, ...arguments]; every call passes sixteen
 * arguments (a wasm function drops those past its own), so no call builds an array. Flags
 * arrive as 0 and 1 and addresses below 2 GiB: wasm takes both as i32. `port` is Node's
 * parentPort, or null in a page (which listens on its global scope).
 *
 * The text is not minified by bundlers, so it holds no comments.
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
  function call(kernels, c, at) {
    var a = at + 1;
    kernels[c[at]](c[a], c[a + 1], c[a + 2], c[a + 3], c[a + 4], c[a + 5], c[a + 6], c[a + 7],
      c[a + 8], c[a + 9], c[a + 10], c[a + 11], c[a + 12], c[a + 13], c[a + 14], c[a + 15]);
  }
  function run(init, reply) {
    var slot = init.slots;
    var instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
    var kernels = init.kernels.map(function (name) { return instance.exports[name]; });
    var ctrl = new Int32Array(init.control);
    var progress = init.base;
    var ring = init.base + slot.LINE;
    reply.postMessage('ready');
    var done = 0;
    for (;;) {
      var posted = next(ctrl, slot.SEQ, done);
      for (; done < posted; done++) {
        var job = ring + (done % slot.RING) * slot.JOB_SLOTS;
        var calls = ctrl[job];
        if (calls === slot.CLOSE) return;
        try {
          for (var c = 0; c < calls; c++) call(kernels, ctrl, job + 1 + c * slot.CALL_SLOTS);
        } catch (e) {
          Atomics.store(ctrl, slot.FAILED, 1);
        }
        Atomics.store(ctrl, progress, done + 1);
      }
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
