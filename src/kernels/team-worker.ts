import type { TeamSlots } from './team-protocol.js';

/** What a team's worker is sent when it starts. */
export interface TeamInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** This worker's share (1, 2, …; the calling thread takes share 0). */
  index: number;
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
 * for a new job number (spinning for half a millisecond, then sleeping in Atomics.wait), runs its
 * share of the product with its own scratch, and counts itself done. `port` is Node's
 * parentPort, or null in a page (which listens on its global scope).
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
    var gemm = instance.exports.gemmShare;
    var packed = instance.exports.gemmPackedBShare;
    var ctrl = new Int32Array(init.control);
    var me = init.index;
    reply.postMessage('ready');
    var seen = 0;
    for (;;) {
      seen = next(ctrl, slot.SEQ, seen);
      var op = ctrl[slot.OP];
      if (op === slot.OP_CLOSE) break;
      try {
        var isGemm = op === slot.OP_GEMM;
        if (!isGemm && op !== slot.OP_GEMM_PACKED_B) throw new Error('unknown job ' + op);
        // Flags arrive as 0 and 1 and addresses below 2 GiB: wasm takes both as i32.
        var count = isGemm ? slot.GEMM_ARGS : slot.GEMM_PACKED_B_ARGS;
        var args = [me, ctrl[slot.SHARES]];
        for (var i = 0; i < count - 1; i++) args.push(ctrl[slot.ARGS + i]);
        args.push(ctrl[slot.SCRATCH + me]);
        (isGemm ? gemm : packed).apply(null, args);
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

/** The worker's source for Node (`new Worker(source, { eval: true })`), a CommonJS script. */
export const NODE_TEAM_WORKER = `${WORKER_BODY}teamWorker(require('node:worker_threads').parentPort);`;

/** The worker's source for a page's Worker. */
export const PAGE_TEAM_WORKER = `${WORKER_BODY}teamWorker(null);`;
