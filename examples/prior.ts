/**
 * Initial-state modes side by side, on a task where what a sequence does depends on something
 * known before it starts. Each sequence is a "speaker": a wave with its own frequency, phase and
 * offset. At every step the model sees a noisy copy of the previous value and predicts the
 * current one. A summary of the speaker (its frequency, phase and offset, as a record of its past
 * speeches would give) is known in advance as a context vector.
 *
 *   npm run example:prior
 *
 * - `zeros`: every sequence starts from h0 = 0 and must infer the speaker from the first steps.
 * - `learned`: one trained h0 shared by all sequences: the best guess for an average speaker.
 * - `encoded`: h0 = tanh(W·context + b), trained jointly: the model starts already knowing who
 *   speaks, so even its first predictions are right.
 */
import { Model, Rng, Tensor, adam, evaluate, fit, mseLoss, type InitialStateMode } from 'rnnkit';

const T = 16;
const NOISE = 0.3;

function speakers(count: number, rng: Rng) {
  const inputs = new Tensor([count, T, 1]);
  const targets = new Tensor([count, T, 1]);
  const contexts = new Tensor([count, 4]);
  for (let n = 0; n < count; n++) {
    const freq = rng.uniform(0.2, 0.6);
    const phase = rng.uniform(0, 2 * Math.PI);
    const offset = rng.uniform(-1, 1);
    contexts.data.set([freq, Math.cos(phase), Math.sin(phase), offset], n * 4);
    for (let t = 0; t < T; t++) {
      targets.data[n * T + t] = offset + Math.sin(freq * t + phase);
      // The input at step t is what was heard at step t-1, with noise; nothing before step 0.
      inputs.data[n * T + t] = t === 0 ? 0 : targets.data[n * T + t - 1] + NOISE * rng.normal();
    }
  }
  return { inputs, targets, contexts };
}

interface Data {
  inputs: Tensor;
  targets: Tensor;
  contexts?: Tensor;
}

/** Mean squared error of `model` on `data` over steps [from, to). */
function stepMse(model: Model, data: Data, from: number, to: number): number {
  const pred = model.forward(data.inputs, { context: data.contexts }).output;
  let sum = 0;
  const N = data.inputs.shape[0];
  for (let n = 0; n < N; n++) {
    for (let t = from; t < to; t++)
      sum += (pred.data[n * T + t] - data.targets.data[n * T + t]) ** 2;
  }
  return sum / (N * (to - from));
}

const rng = new Rng(3);
const train = speakers(2048, rng);
const validation = speakers(512, rng);
const rows: string[] = [];
for (const mode of ['zeros', 'learned', 'encoded'] as InitialStateMode[]) {
  const model = new Model({
    cell: 'gru',
    inputSize: 1,
    hiddenSize: 32,
    outputSize: 1,
    initialState: mode,
    contextSize: mode === 'encoded' ? 4 : undefined,
    seed: 1,
  });
  // Every mode gets the contexts; only the encoded prior reads them.
  const view = (d: Data): Data =>
    mode === 'encoded' ? d : { inputs: d.inputs, targets: d.targets };
  console.log(`initialState '${mode}' (${model.parameterCount} parameters)`);
  fit(model, view(train), {
    loss: mseLoss(),
    optimizer: adam({ lr: 0.01 }),
    clip: { maxNorm: 1 },
    epochs: 8,
    batchSize: 32,
    validation: view(validation),
    progress: true,
  });
  const loss = evaluate(model, view(validation), mseLoss());
  const first = stepMse(model, view(validation), 0, 4);
  const last = stepMse(model, view(validation), T - 4, T);
  rows.push(
    `${mode.padEnd(8)} ${loss.toFixed(4).padStart(9)} ${first.toFixed(4).padStart(14)} ${last.toFixed(4).padStart(13)}`,
  );
}
console.log('\nValidation MSE by initial state (a wave with offset has variance about 0.83)');
console.log('mode       overall  first 4 steps  last 4 steps');
for (const row of rows) console.log(row);
