/**
 * How far back in time does an error reach? For each cell, the error at the last of 60 steps is
 * sent back through time and the norm of dL/dh_t is printed for earlier steps t, relative to the
 * last step. Untrained, every cell's gradient fades; a plain RNN's fades fastest, the gated cells'
 * slower, and an LSTM whose forget gate starts open (`unitForgetBias`) slower still.
 *
 *   npm run example:gradients
 */
import { Model, Rng, Tensor, gradientFlow, mseLoss, type CellType } from 'rnnkit';

const T = 60;
const rng = new Rng(5);
const input = new Tensor([8, T, 4]);
for (let i = 0; i < input.size; i++) input.data[i] = rng.normal();
const target = new Tensor([8, T, 1]);

const variants: Array<[CellType, boolean]> = [
  ['rnn', false],
  ['lstm', false],
  ['lstm', true],
  ['gru', false],
];
console.log(
  'These models are untrained (fresh weights from seed 1): the verdicts describe how each cell\n' +
    'starts, before any training, which is when a fading gradient keeps it from learning long spans.',
);
for (const [cell, unitForgetBias] of variants) {
  const model = new Model({
    cell,
    inputSize: 4,
    hiddenSize: 32,
    outputSize: 1,
    seed: 1,
    unitForgetBias,
  });
  const flow = gradientFlow(model, { input, target }, { loss: mseLoss() });
  const norms = flow.steps[0].norms;
  const top = norms[T - 1];
  const name = cell.toUpperCase() + (unitForgetBias ? ' (unitForgetBias)' : '');
  console.log(
    `\n${name}, untrained: ratio first/last ${flow.ratio.toExponential(2)} -> ${flow.verdict}`,
  );
  for (let t = T - 1; t >= 0; t -= 6) {
    const rel = norms[t] / top;
    const bar = '#'.repeat(Math.max(0, Math.round(40 + 2.5 * Math.log10(rel))));
    console.log(`  t=${String(t).padStart(2)}  ${rel.toExponential(1).padStart(8)}  ${bar}`);
  }
}
console.log('\nEach bar is log-scaled: 2.5 characters per factor of 10 below the last step.');
