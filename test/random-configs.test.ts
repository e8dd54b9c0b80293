import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Tensor,
  bceWithLogitsLoss,
  crossEntropyLoss,
  gradCheck,
  mseLoss,
  type Batch,
  type CellType,
  type InitialStateMode,
  type Loss,
} from '../src/index.js';

/** One random model and batch; every choice comes from `rng`, so each case is reproducible. */
function randomCase(rng: Rng) {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const cell = pick<CellType>(['rnn', 'lstm', 'gru']);
  const [I, H, L, B, T, O] = [
    1 + rng.int(3),
    1 + rng.int(4),
    1 + rng.int(3),
    1 + rng.int(4),
    1 + rng.int(5),
    2,
  ];
  const bidirectional = rng.next() < 0.5;
  const head = pick(['sequence', 'last'] as const);
  const initialState = pick<InitialStateMode>(['zeros', 'learned', 'encoded', 'given']);
  const lossName = pick(['mse', 'cross_entropy', 'bce'] as const);
  const model = new Model({
    cell,
    inputSize: I,
    hiddenSize: H,
    numLayers: L,
    bidirectional,
    bias: rng.next() < 0.7,
    ...(cell === 'rnn' ? { nonlinearity: pick(['tanh', 'relu'] as const) } : {}),
    outputSize: O,
    head,
    initialState,
    ...(initialState === 'encoded' ? { contextSize: 2 } : {}),
    dtype: 'float64',
    seed: rng.int(1000),
  });
  for (let i = 0; i < model.params.values.length; i++) model.params.values[i] = 0.6 * rng.normal();
  const normal = (shape: number[]): Tensor => {
    const t = new Tensor(shape, 'float64');
    for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
    return t;
  };
  const predShape = head === 'last' ? [B, O] : [B, T, O];
  let target: Tensor;
  let loss: Loss;
  if (lossName === 'cross_entropy') {
    target = new Tensor(predShape.slice(0, -1), 'float64').map(() => rng.int(O));
    loss = crossEntropyLoss({ reduction: rng.next() < 0.5 ? 'sum' : 'mean' });
  } else if (lossName === 'bce') {
    target = new Tensor(predShape, 'float64').map(() => rng.next());
    loss = bceWithLogitsLoss();
  } else {
    target = normal(predShape);
    loss = mseLoss({ reduction: 'sum' });
  }
  const S = L * (bidirectional ? 2 : 1);
  const batch: Batch = {
    input: normal([B, T, I]),
    target,
    ...(rng.next() < 0.5 ? { lengths: Array.from({ length: B }, () => 1 + rng.int(T)) } : {}),
    ...(initialState === 'given'
      ? { h0: normal([S, B, H]), ...(cell === 'lstm' ? { c0: normal([S, B, H]) } : {}) }
      : {}),
    ...(initialState === 'encoded' ? { context: normal([B, 2]) } : {}),
  };
  const label = `${cell} I${I} H${H} L${L}${bidirectional ? ' bidir' : ''} B${B} T${T} ${head} ${initialState} ${lossName}`;
  return { model, batch, loss, label };
}

describe('finite differences on random configurations', () => {
  const rng = new Rng(2024);
  for (let k = 0; k < 24; k++) {
    const { model, batch, loss, label } = randomCase(rng);
    it(`matches every gradient: ${label}`, () => {
      const result = gradCheck(model, batch, { loss });
      const worst = result.entries.reduce((a, b) => (a.error > b.error ? a : b));
      expect(result.passed, `${worst.name}: error ${worst.error}`).toBe(true);
    });
  }
});
