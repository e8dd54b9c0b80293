/**
 * The script of a kernel team's worker thread, as one self-contained function: it is turned
 * into source text (`TEAM_WORKER_SOURCE`) and run with `eval` in Node or from a Blob URL in a
 * page, so the package needs no worker file. It refers to nothing outside itself; the control
 * slots are the numbers of team-protocol.ts, checked against it by a test.
 *
 * The worker instantiates the kernels module on the model's shared memory and loops: it waits
 * for a new job number (spinning for a while, then sleeping in Atomics.wait), runs its share
 * of the product with its own scratch, and counts itself done.
 */
function teamWorker(): void {
  interface Init {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    control: SharedArrayBuffer;
    index: number;
  }
  type Kernel = (...args: number[]) => void;
  interface Port {
    postMessage(message: unknown): void;
  }
  const [SEQ, DONE, FAILED, OP, SHARES, ARGS, SCRATCH] = [0, 1, 2, 3, 4, 8, 32];
  const [OP_GEMM, OP_GEMM_PACKED_B, OP_CLOSE] = [1, 2, 3];
  const [GEMM_ARGS, GEMM_PACKED_B_ARGS] = [14, 12];
  /** How long a worker spins for the next job before it sleeps (ms). */
  const SPIN_MS = 0.5;

  function run(init: Init, port: Port): void {
    const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
    const gemm = instance.exports.gemmShare as Kernel;
    const packed = instance.exports.gemmPackedBShare as Kernel;
    const ctrl = new Int32Array(init.control);
    const me = init.index;
    port.postMessage('ready');
    let seen = 0;
    for (;;) {
      seen = next(ctrl, seen);
      const op = ctrl[OP];
      if (op === OP_CLOSE) break;
      try {
        const isGemm = op === OP_GEMM;
        if (!isGemm && op !== OP_GEMM_PACKED_B) throw new Error(`unknown job ${op}`);
        // Flags arrive as 0 and 1 and addresses below 2 GiB: wasm takes both as i32.
        const count = isGemm ? GEMM_ARGS : GEMM_PACKED_B_ARGS;
        const args = [me, ctrl[SHARES]];
        for (let i = 0; i < count - 1; i++) args.push(ctrl[ARGS + i]);
        args.push(ctrl[SCRATCH + me]);
        (isGemm ? gemm : packed)(...args);
      } catch {
        Atomics.store(ctrl, FAILED, 1);
      }
      Atomics.add(ctrl, DONE, 1);
    }
  }

  /** Waits until the job number differs from `seen`; returns the new one. */
  function next(ctrl: Int32Array, seen: number): number {
    const until = performance.now() + SPIN_MS;
    for (let spins = 0; Atomics.load(ctrl, SEQ) === seen; spins++) {
      if ((spins & 1023) === 1023 && performance.now() > until) Atomics.wait(ctrl, SEQ, seen);
    }
    return Atomics.load(ctrl, SEQ);
  }

  const scope = globalThis as unknown as {
    postMessage?: (message: unknown) => void;
    onmessage?: ((e: { data: Init }) => void) | null;
  };
  if (typeof require === 'function') {
    // Node runs this source with `eval`, as a CommonJS script: require is how it gets its port.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const threads = require('node:worker_threads') as {
      parentPort: Port & { once(event: 'message', f: (init: Init) => void): void };
    };
    threads.parentPort.once('message', (init) => run(init, threads.parentPort));
  } else {
    scope.onmessage = (e) => {
      scope.onmessage = null;
      run(e.data, { postMessage: (m) => scope.postMessage?.(m) });
    };
  }
}

/** The worker's source text: the function above, called. */
export const TEAM_WORKER_SOURCE = `(${teamWorker.toString()})();`;
