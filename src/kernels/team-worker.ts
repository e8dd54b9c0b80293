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

/** The side of a message channel a worker listens and answers on. */
interface Port {
  postMessage(message: unknown): void;
  once?(event: 'message', listener: (init: TeamInit) => void): void;
}

/**
 * The script of a kernel team's worker thread, as one self-contained function: it becomes
 * source text run with `eval` in Node or from a Blob URL in a page, so the package ships no
 * worker file. It refers to nothing outside itself and avoids syntax a bundler might rewrite
 * with helpers of its own (spread, destructuring); the control slots arrive with `init`.
 *
 * The worker instantiates the kernels module on the model's shared memory and loops: it waits
 * for a new job number (spinning for a while, then sleeping in Atomics.wait), runs its share of
 * the product with its own scratch, and counts itself done.
 *
 * @param nodePort Node's parentPort, or null in a page (which listens on its global scope).
 */
function teamWorker(nodePort: Port | null): void {
  /** How long a worker spins for the next job before it sleeps (ms). */
  const SPIN_MS = 0.5;

  function run(init: TeamInit, port: Port): void {
    const slot = init.slots;
    const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
    const gemm = instance.exports.gemmShare as (...args: number[]) => void;
    const packed = instance.exports.gemmPackedBShare as (...args: number[]) => void;
    const ctrl = new Int32Array(init.control);
    const me = init.index;
    port.postMessage('ready');
    let seen = 0;
    for (;;) {
      seen = next(ctrl, slot.SEQ, seen);
      const op = ctrl[slot.OP];
      if (op === slot.OP_CLOSE) break;
      try {
        const isGemm = op === slot.OP_GEMM;
        if (!isGemm && op !== slot.OP_GEMM_PACKED_B) throw new Error('unknown job ' + op);
        // Flags arrive as 0 and 1 and addresses below 2 GiB: wasm takes both as i32.
        const count = isGemm ? slot.GEMM_ARGS : slot.GEMM_PACKED_B_ARGS;
        const args = [me, ctrl[slot.SHARES]];
        for (let i = 0; i < count - 1; i++) args.push(ctrl[slot.ARGS + i]);
        args.push(ctrl[slot.SCRATCH + me]);
        (isGemm ? gemm : packed).apply(null, args);
      } catch {
        Atomics.store(ctrl, slot.FAILED, 1);
      }
      Atomics.add(ctrl, slot.DONE, 1);
    }
  }

  /** Waits until the job number differs from `seen`; returns the new one. */
  function next(ctrl: Int32Array, seq: number, seen: number): number {
    const until = performance.now() + SPIN_MS;
    for (let spins = 0; Atomics.load(ctrl, seq) === seen; spins++) {
      if ((spins & 1023) === 1023 && performance.now() > until) Atomics.wait(ctrl, seq, seen);
    }
    return Atomics.load(ctrl, seq);
  }

  if (nodePort !== null && nodePort.once !== undefined) {
    nodePort.once('message', (init) => run(init, nodePort));
    return;
  }
  const scope = globalThis as unknown as Port & {
    onmessage: ((e: { data: TeamInit }) => void) | null;
  };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    run(e.data, scope);
  };
}

/** The worker's source for Node (`new Worker(source, { eval: true })`), a CommonJS script. */
export const NODE_TEAM_WORKER = `(${teamWorker.toString()})(require('node:worker_threads').parentPort);`;

/** The worker's source for a page's Worker. */
export const PAGE_TEAM_WORKER = `(${teamWorker.toString()})(null);`;
