/**
 * ONNX Runtime peers: onnxruntime-node (native CPU provider) and onnxruntime-web (its
 * WebAssembly backend, run in Node), on one thread, running the ONNX file that
 * `torch.onnx.export` makes of the benchmark model with rnnkit's own weights (seed 1), so the
 * outputs are compared once before timing.
 *
 * - Inference: the whole batch [B, T, I] from the zero state; the output read back.
 * - Streaming: B=1, T=1, the final state of one call fed back as the initial state of the next.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { MeasurePeer } from './peers.js';
import { BenchRng } from './rng.js';
import { setup } from './rnnkit.js';
import { assertFinite, timeRate, type Cell, type Figures, type Workload } from './workload.js';

type Ort = typeof ortNode;
type OrtTensor = ortNode.Tensor;

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
/** Largest difference allowed between rnnkit's and the ONNX model's outputs (float32). */
const TOLERANCE = 1e-3;

/**
 * Writes the benchmark model's weights and exports them as ONNX (once per set of weights: the
 * file, named by their hash, is cached in the system's temporary folder). Returns its path.
 */
function exportOnnx(cell: Cell, w: Workload): string {
  const dir = path.join(tmpdir(), 'rnnkit-bench-onnx');
  mkdirSync(dir, { recursive: true });
  const weights = setup(cell, w).model.toSafetensors();
  const hash = createHash('sha256').update(weights).digest('hex').slice(0, 16);
  const base = path.join(dir, `${cell}-I${w.I}-H${w.H}-O${w.O}-${hash}`);
  const onnx = `${base}.onnx`;
  if (existsSync(onnx)) return onnx;
  writeFileSync(`${base}.safetensors`, weights);
  const args = [`${base}.safetensors`, cell, String(w.I), String(w.H), String(w.O), onnx];
  const r = spawnSync(PYTHON, [path.join(benchDir, 'onnx_export.py'), ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(onnx)) {
    const lines = (r.stderr || String(r.error)).trim().split('\n');
    throw new Error(`torch.onnx.export failed: ${lines[lines.length - 1]}`);
  }
  return onnx;
}

function zeroState(ort: Ort, cell: Cell, B: number, H: number): Record<string, OrtTensor> {
  const zero = (): OrtTensor => new ort.Tensor('float32', new Float32Array(B * H), [1, B, H]);
  return cell === 'lstm' ? { h0: zero(), c0: zero() } : { h0: zero() };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`output sizes differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function measureOrt(
  library: string,
  cell: Cell,
  w: Workload,
  timing: Parameters<MeasurePeer>[3],
): Promise<{ figures: Figures; note: string }> {
  const web = library === 'onnxruntime-web';
  // Both packages share onnxruntime-common's types; the web one is used through the same API.
  const ort = (web ? ortWeb : ortNode) as unknown as Ort;
  if (web) ortWeb.env.wasm.numThreads = 1;
  const file = exportOnnx(cell, w);
  const session = await ort.InferenceSession.create(
    file,
    web
      ? { executionProviders: ['wasm'] }
      : { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' },
  );

  const { model, input } = setup(cell, w);
  const x = new ort.Tensor('float32', Float32Array.from(input.data), [w.B, w.T, w.I]);
  const feeds = { x, ...zeroState(ort, cell, w.B, w.H) };
  const first = await session.run(feeds);
  const diff = maxAbsDiff(first.y.data as Float32Array, model.predict(input).data);
  if (!(diff <= TOLERANCE)) {
    throw new Error(`ONNX output differs from rnnkit's by ${diff} (tolerance ${TOLERANCE})`);
  }
  const infer = await timeRate(
    async () => {
      const r = await session.run(feeds);
      if (r.y.data.length !== w.B * w.T * w.O) throw new Error('short ONNX output');
    },
    w.B,
    timing,
  );

  const xt = new ort.Tensor('float32', new BenchRng(2).fill(w.I), [1, 1, w.I]);
  let state = zeroState(ort, cell, 1, w.H);
  const stepOnce = async (): Promise<void> => {
    const r = await session.run({ x: xt, ...state });
    state = cell === 'lstm' ? { h0: r.hn, c0: r.cn } : { h0: r.hn };
  };
  await stepOnce();
  assertFinite(state.h0.data as Float32Array, `${library} stream state`);
  const step = await timeRate(stepOnce, 1, timing);
  await session.release();
  const where = web
    ? 'wasm backend in Node, numThreads 1 (the package ships SIMD builds only)'
    : 'CPU provider, intra-op and inter-op threads 1';
  return {
    figures: { infer, step },
    note: `${library} ${ort.env.versions.common}, ${where}; outputs match rnnkit's within ${diff.toExponential(1)}`,
  };
}

/** The adapter bench/worker.ts loads for `onnxruntime-node` and `onnxruntime-web`. */
export const measurePeer: MeasurePeer = (library, cell, w, timing) =>
  measureOrt(library, cell, w, timing);
