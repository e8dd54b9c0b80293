/**
 * TensorFlow.js peer: a recurrent layer returning every step, then a Dense head applied to the
 * 3D output (the same weights at every step), trained with SGD on the mean squared error.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { MeasurePeer } from './peers.js';
import { BenchRng } from './rng.js';
import {
  assertFinite,
  timeRate,
  type Cell,
  type Figures,
  type Timing,
  type Workload,
} from './workload.js';

export type TfjsBackend = 'cpu' | 'wasm';

/** Selects the backend; for wasm, points the loader at the package's own .wasm files. */
export async function initTfjs(backend: TfjsBackend): Promise<string> {
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    wasm.setWasmPaths(path.join(path.dirname(pkg), 'dist') + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not start`);
  await tf.ready();
  if (backend !== 'wasm') return `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs ${tf.version.tfjs}, backend wasm (simd ${String(simd)}, threads ${String(threads)})`;
}

interface RecurrentArgs {
  units: number;
  returnSequences: boolean;
  inputShape: number[];
  recurrentInitializer: 'glorotUniform';
}

function recurrentLayer(cell: Cell, args: RecurrentArgs): tf.layers.Layer {
  if (cell === 'rnn') return tf.layers.simpleRNN(args);
  if (cell === 'lstm') return tf.layers.lstm(args);
  return tf.layers.gru(args);
}

function recurrentCell(cell: Cell, units: number): tf.layers.Layer {
  // Glorot rather than the default orthogonal recurrent init: the timed work is the same and
  // the orthogonal init (a QR decomposition) takes seconds on the cpu backend.
  const args = { units, recurrentInitializer: 'glorotUniform' as const };
  if (cell === 'rnn') return tf.layers.simpleRNNCell(args);
  if (cell === 'lstm') return tf.layers.lstmCell(args);
  return tf.layers.gruCell(args);
}

/** Measures one (backend, cell) pair; `initTfjs` must have been awaited first. */
export async function measureTfjs(cell: Cell, w: Workload, timing: Timing): Promise<Figures> {
  const rng = new BenchRng(1);
  const model = tf.sequential();
  model.add(
    recurrentLayer(cell, {
      units: w.H,
      returnSequences: true,
      inputShape: [w.T, w.I],
      recurrentInitializer: 'glorotUniform',
    }),
  );
  model.add(tf.layers.dense({ units: w.O }));
  model.compile({ optimizer: tf.train.sgd(w.lr), loss: 'meanSquaredError' });
  const x = tf.tensor3d(rng.fill(w.B * w.T * w.I), [w.B, w.T, w.I]);
  const y = tf.tensor3d(rng.fill(w.B * w.T * w.O), [w.B, w.T, w.O]);

  const train = await timeRate(
    async () => {
      const loss = await model.trainOnBatch(x, y);
      assertFinite(Array.isArray(loss) ? loss[0] : loss, 'tfjs training loss');
    },
    w.B,
    timing,
  );

  const infer = await timeRate(
    async () => {
      const out = model.predict(x) as tf.Tensor;
      await out.data();
      out.dispose();
    },
    w.B,
    timing,
  );
  {
    const out = model.predict(x) as tf.Tensor;
    assertFinite(await out.data(), 'tfjs output');
    out.dispose();
  }

  // Streaming: the cell called directly on explicit state tensors (B=1), then the Dense head.
  // This has less framework overhead than a stateful model's predict().
  const rnnCell = recurrentCell(cell, w.H);
  const head = tf.layers.dense({ units: w.O });
  rnnCell.build([1, w.I]);
  head.build([1, w.H]);
  let state: tf.Tensor[] =
    cell === 'lstm' ? [tf.zeros([1, w.H]), tf.zeros([1, w.H])] : [tf.zeros([1, w.H])];
  const xt = tf.tensor2d(rng.fill(w.I), [1, w.I]);
  const stepOnce = async (): Promise<void> => {
    const [out, next] = tf.tidy(() => {
      const r = rnnCell.call([xt, ...state], {}) as tf.Tensor[];
      return [head.apply(r[0]) as tf.Tensor, r.slice(1)] as const;
    });
    await out.data();
    out.dispose();
    tf.dispose(state);
    state = [...next];
  };
  const step = await timeRate(stepOnce, 1, timing);

  tf.dispose([x, y, xt, ...state]);
  model.dispose();
  return { train, infer, step };
}

/** The adapter bench/worker.ts loads for `tfjs-cpu` and `tfjs-wasm`. */
export const measurePeer: MeasurePeer = async (library, cell, w, timing) => {
  const note = await initTfjs(library === 'tfjs-cpu' ? 'cpu' : 'wasm');
  return { figures: await measureTfjs(cell, w, timing), note };
};
