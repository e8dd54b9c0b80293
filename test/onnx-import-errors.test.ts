import { describe, expect, it } from 'vitest';
import { Model } from '../src/index.js';
import { fromOnnx, toOnnx } from '../src/onnx/index.js';
import {
  ATTR,
  decodeModel,
  encodeModel,
  type AttributeMsg,
  type ModelMsg,
} from '../src/onnx/messages.js';

const lstm = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 4 });

/** The LSTM's file with its recurrent node (or the whole message) changed by `edit`. */
function edited(edit: (m: ModelMsg) => void): Uint8Array {
  const m = decodeModel(toOnnx(lstm));
  edit(m);
  return encodeModel(m);
}

const attr = (name: string, v: Partial<AttributeMsg>): AttributeMsg => ({
  name,
  type: ATTR.INT,
  f: 0,
  i: 0,
  s: '',
  t: null,
  floats: [],
  ints: [],
  strings: [],
  ...v,
});
const recurrent = (m: ModelMsg) => m.graph.nodes.find((n) => n.opType === 'LSTM')!;

describe('fromOnnx errors name the node and the attribute', () => {
  it.each([
    [
      'an unknown direction',
      attr('direction', { type: ATTR.STRING, s: 'sideways' }),
      /'LSTM_\d+' \(LSTM\): attribute direction is 'sideways', expected forward, reverse or bidirectional/,
    ],
    ['clip', attr('clip', { type: ATTR.FLOAT, f: 3 }), /'LSTM_\d+' \(LSTM\): attribute clip/],
    ['input_forget', attr('input_forget', { i: 1 }), /attribute input_forget=1/],
    [
      'other activations',
      attr('activations', { type: ATTR.STRINGS, strings: ['Sigmoid', 'Relu', 'Tanh'] }),
      /attribute activations \[Sigmoid, Relu, Tanh\]/,
    ],
    [
      'an unknown attribute',
      attr('peephole_mode', { i: 1 }),
      /attribute peephole_mode is not supported/,
    ],
  ])('%s', (_, a, error) => {
    const bytes = edited((m) => recurrent(m).attributes.push(a));
    expect(() => fromOnnx(bytes)).toThrow(error);
  });

  it("reads GRU linear_before_reset=0 (ONNX's default) as the original GRU, 2 as an error", () => {
    const gru = decodeModel(toOnnx(new Model({ cell: 'gru', inputSize: 2, hiddenSize: 3 })));
    const node = gru.graph.nodes.find((n) => n.opType === 'GRU')!;
    node.attributes = node.attributes.filter((a) => a.name !== 'linear_before_reset');
    expect(fromOnnx(encodeModel(gru)).options.linearBeforeReset).toBe(false);
    node.attributes.push(attr('linear_before_reset', { i: 2 }));
    expect(() => fromOnnx(encodeModel(gru))).toThrow(
      /\(GRU\): attribute linear_before_reset is 2, expected 0 or 1/,
    );
  });

  it('an unknown operator', () => {
    const bytes = edited((m) => {
      m.graph.nodes.find((n) => n.opType === 'Transpose')!.opType = 'Foo';
    });
    expect(() => fromOnnx(bytes)).toThrow(/operator 'Foo' is not supported/);
  });

  it('a constant factor after the layers', () => {
    const bytes = edited((m) => {
      const add = m.graph.nodes.find((n) => n.opType === 'Add')!;
      add.opType = 'Mul';
    });
    expect(() => fromOnnx(bytes)).toThrow(/Mul by a constant/);
  });

  it('a model over limits.maxParameters, before allocating', () => {
    expect(() => fromOnnx(toOnnx(lstm), { limits: { maxParameters: 10 } })).toThrow(RangeError);
    expect(() => fromOnnx(toOnnx(lstm), { limits: { maxParameters: 0 } })).toThrow(
      /limits.maxParameters/,
    );
  });

  it('bytes that are not a model', () => {
    expect(() => fromOnnx(new Uint8Array(0))).toThrow(
      /ONNX file is malformed: model: it has no graph/,
    );
    expect(() => fromOnnx('model.onnx' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => fromOnnx(edited((m) => (m.opsets = [])))).toThrow(/opset/);
  });

  it('reads layout=1 (the weights are the same) and unknown options are errors', () => {
    const model = fromOnnx(edited((m) => recurrent(m).attributes.push(attr('layout', { i: 1 }))));
    expect(model.stateDict()['rnn.weight_ih_l0'].data).toEqual(
      lstm.stateDict()['rnn.weight_ih_l0'].data,
    );
    expect(() => fromOnnx(toOnnx(lstm), { limit: {} } as never)).toThrow(/unknown option 'limit'/);
    expect(() => toOnnx(lstm, { lenghts: true } as never)).toThrow(/did you mean 'lengths'/);
    expect(() => toOnnx(lstm, { lengths: 1 } as never)).toThrow(/lengths is 1, expected a boolean/);
  });
});
