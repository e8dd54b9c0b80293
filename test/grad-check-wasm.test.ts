import { describe, it } from 'vitest';
import { Model, Rng, Tensor, mseLoss, type CellType, type InitialStateMode } from '../src/index.js';
import { expectClose } from './helpers/compare.js';

// The wasm kernels run float32 only, so their gradients are checked against the float64
// TypeScript gradients of the same weights, which test/grad-check.test.ts checks by finite
// differences on every parameter.

const cells: CellType[] = ['rnn', 'lstm', 'gru'];
const modes: InitialStateMode[] = ['zeros', 'learned', 'encoded', 'given'];

function run(model: Model, mode: InitialStateMode, dtype: 'float32' | 'float64') {
  const rng = new Rng(4);
  const fill = (shape: number[]) => {
    const t = new Tensor(shape, dtype);
    for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
    return t;
  };
  const [B, T, I, O] = [3, 6, 2, 2];
  const input = fill([B, T, I]);
  const target = fill([B, T, O]);
  const states =
    mode === 'given'
      ? { h0: fill([4, B, 3]), ...(model.hasCellState ? { c0: fill([4, B, 3]) } : {}) }
      : mode === 'encoded'
        ? { context: fill([B, 2]) }
        : {};
  const { output } = model.forward(input, { lengths: [6, 4, 1], ...states });
  model.zeroGrad();
  const back = model.backward(mseLoss().compute(output, target).grad);
  return { grads: model.params.grads, input: back.input!.data };
}

describe('wasm gradients equal the finite-difference-checked float64 gradients', () => {
  for (const cell of cells) {
    for (const mode of modes) {
      it(`${cell}, ${mode} initial state, 2 layers, bidirectional, lengths`, () => {
        const options = {
          cell,
          inputSize: 2,
          hiddenSize: 3,
          numLayers: 2,
          bidirectional: true,
          outputSize: 2,
          initialState: mode,
          ...(mode === 'encoded' ? { contextSize: 2 } : {}),
          seed: 8,
        };
        const wasm = new Model({ ...options, backend: 'wasm' });
        const exact = new Model({ ...options, dtype: 'float64' });
        const rng = new Rng(2);
        for (let i = 0; i < wasm.params.values.length; i++)
          wasm.params.values[i] = rng.normal() / 2;
        exact.loadStateDict(wasm.stateDict());
        const a = run(wasm, mode, 'float32');
        const b = run(exact, mode, 'float64');
        expectClose('parameter gradients', a.grads, b.grads, 3e-4, 'relativeAbove1');
        expectClose('input gradient', a.input, b.input, 3e-4, 'relativeAbove1');
      });
    }
  }
});
