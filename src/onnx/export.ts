/** toOnnx: a model as an ONNX graph with one RNN/LSTM/GRU node per layer. */
import type { Model } from 'rnnkit';
import { checkKeys, describe } from '../tensor/errors.js';
import { GraphBuilder, type ExportContext } from './builder.js';
import { gateBlocks, toOnnxGates } from './gates.js';
import { FLOAT, INT32, INT64 } from './messages.js';
import { ONNX_OPS, OPSET, exportedCellAttributes } from './cell-attributes.js';
import { exportHead } from './export-head.js';

/** Options of {@link toOnnx}. */
export interface ToOnnxOptions {
  /**
   * Add a graph input `lengths` (int32 `[batch]`, the real steps of each padded sequence) that
   * feeds every layer's `sequence_lens`, zeroes the output at padded steps and, with
   * `head: 'last'`, reads each sequence's last real step. Default false.
   */
  lengths?: boolean;
}

/**
 * The model as ONNX bytes (opset 14, float32): the input `input` `[batch, time, inputSize]`
 * (int64 token ids `[batch, time]` with an embedding), one `RNN`/`LSTM`/`GRU` node per layer
 * with ONNX's gate order, the head at every step or at the last (real) step, the initial state
 * as the model's mode says (`h0`/`c0` inputs for `given`, `context` for `encoded`), and the
 * outputs `output`, `h` and (LSTM) `c`, each with PyTorch's layout as {@link Model.forward}
 * returns them. Batch and time are dynamic. A float64 model is written in float32.
 *
 * @example
 * import { Model } from 'rnnkit';
 * import { toOnnx } from 'rnnkit/onnx';
 * const model = new Model({ cell: 'lstm', inputSize: 3, hiddenSize: 16, outputSize: 1 });
 * const bytes = toOnnx(model, { lengths: true }); // a Uint8Array: write it to model.onnx
 *
 * @throws TypeError for unknown options.
 */
export function toOnnx(model: Model, options: ToOnnxOptions = {}): Uint8Array {
  checkKeys('toOnnx options', options, ['lengths']);
  const withLengths = options.lengths ?? false;
  if (typeof withLengths !== 'boolean')
    throw new TypeError(`lengths is ${describe(withLengths)}, expected a boolean`);
  const o = model.options;
  const g = new GraphBuilder();
  const tokens = o.embedding !== null;
  const input = g.input('input', tokens ? INT64 : FLOAT, [
    'batch',
    'time',
    ...(tokens ? [] : [o.inputSize]),
  ]);
  const lengths = withLengths ? g.input('lengths', INT32, ['batch']) : '';
  const batch = g.op('Gather', [g.op('Shape', [input]), g.ints('batch_axis', [1], [0])], {
    axis: 0,
  });
  const D = o.bidirectional ? 2 : 1;
  const cx: ExportContext = { g, o, dict: model.stateDict(), D, lengths, batch };
  let x = input;
  if (tokens) {
    const table = cx.dict['embed.weight'];
    x = g.op('Gather', [g.floats('embed.weight', [...table.shape], table.data), input], {
      axis: 0,
    });
  }
  exportHead(cx, exportLayers(cx, g.op('Transpose', [x], { perm: [1, 0, 2] })));
  return g.encode('rnnkit', OPSET, 'rnnkit');
}

/**
 * The recurrent nodes over `x` (`[time, batch, I]`) and the final-state outputs; returns the top
 * layer's states `[time, batch, D*H]`.
 */
function exportLayers(cx: ExportContext, x: string): string {
  const { g, o } = cx;
  const states = initialStates(cx);
  const finals: { h: string[]; c: string[] } = { h: [], c: [] };
  const lstm = o.cell === 'lstm';
  for (let l = 0; l < o.numLayers; l++) {
    const [W, R, B] = layerWeights(cx, l);
    const inputs = [x, W, R, B, cx.lengths, states.h[l], states.c[l]];
    const [Y, Yh, Yc] = g.node(ONNX_OPS[o.cell], inputs, exportedCellAttributes(o), lstm ? 3 : 2);
    finals.h.push(Yh);
    if (lstm) finals.c.push(Yc);
    // Y is [time, D, batch, H]: the next layer reads [time, batch, D*H].
    const merged = g.op('Transpose', [Y], { perm: [0, 2, 1, 3] });
    x = g.op('Reshape', [merged, g.ints(`merge_dirs_${l}`, [3], [0, 0, -1])]);
  }
  const dims = [o.numLayers * cx.D, 'batch', o.hiddenSize];
  g.op('Concat', finals.h, { axis: 0 }, 'h');
  g.output('h', FLOAT, dims);
  if (lstm) {
    g.op('Concat', finals.c, { axis: 0 }, 'c');
    g.output('c', FLOAT, dims);
  }
  return x;
}

/** W `[D, G*H, In]`, R `[D, G*H, H]` and B `[D, 2*G*H]` (or '') of layer `l`, in ONNX's gate order. */
function layerWeights(cx: ExportContext, l: number): [string, string, string] {
  const { g, o, dict, D } = cx;
  const H = o.hiddenSize;
  const G = gateBlocks(o.cell);
  const In = l === 0 ? o.inputSize : D * H;
  const W = new Float32Array(D * G * H * In);
  const R = new Float32Array(D * G * H * H);
  const B = new Float32Array(D * 2 * G * H);
  for (let d = 0; d < D; d++) {
    const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
    toOnnxGates(o.cell, W, d * G * H * In, dict[`rnn.weight_ih${sfx}`].data, 0, H * In);
    toOnnxGates(o.cell, R, d * G * H * H, dict[`rnn.weight_hh${sfx}`].data, 0, H * H);
    if (!o.bias) continue;
    toOnnxGates(o.cell, B, d * 2 * G * H, dict[`rnn.bias_ih${sfx}`].data, 0, H);
    toOnnxGates(o.cell, B, d * 2 * G * H + G * H, dict[`rnn.bias_hh${sfx}`].data, 0, H);
  }
  const w = g.floats(`W_l${l}`, [D, G * H, In], W);
  const r = g.floats(`R_l${l}`, [D, G * H, H], R);
  return [w, r, o.bias ? g.floats(`B_l${l}`, [D, 2 * G * H], B) : ''];
}

/** Each layer's `initial_h` and `initial_c` (`[D, batch, H]`, or '' for zeros) by the model's mode. */
function initialStates(cx: ExportContext): { h: string[]; c: string[] } {
  const { g, o, D } = cx;
  const H = o.hiddenSize;
  const L = o.numLayers;
  const names: Array<'h0' | 'c0'> = o.cell === 'lstm' ? ['h0', 'c0'] : ['h0'];
  const out = { h: Array<string>(L).fill(''), c: Array<string>(L).fill('') };
  const mode = o.initialState;
  if (mode === 'zeros') return out;
  const context = mode === 'encoded' ? g.input('context', FLOAT, ['batch', o.contextSize]) : '';
  for (const name of names) {
    const slots = out[name === 'h0' ? 'h' : 'c'];
    let all = '';
    if (mode === 'given') all = g.input(name, FLOAT, [L * D, 'batch', H]);
    if (mode === 'encoded') {
      const w = cx.dict[`${name}_encoder.weight`];
      const b = cx.dict[`${name}_encoder.bias`];
      const pre = g.op(
        'Gemm',
        [
          context,
          g.floats(`${name}_encoder.weight`, [...w.shape], w.data),
          g.floats(`${name}_encoder.bias`, [...b.shape], b.data),
        ],
        { transB: 1 },
      );
      const slotMajor = g.op('Reshape', [
        g.op('Tanh', [pre]),
        g.ints(`${name}_slots`, [3], [0, L * D, H]),
      ]);
      all = g.op('Transpose', [slotMajor], { perm: [1, 0, 2] });
    }
    const learned = mode === 'learned' ? cx.dict[name].data : null;
    const shape = learned
      ? g.op(
          'Concat',
          [g.ints(`${name}_dirs`, [1], [D]), cx.batch, g.ints(`${name}_hidden`, [1], [H])],
          { axis: 0 },
        )
      : '';
    for (let l = 0; l < L; l++) {
      if (learned !== null) {
        const value = g.floats(
          `${name}_l${l}`,
          [D, 1, H],
          learned.subarray(l * D * H, (l + 1) * D * H),
        );
        slots[l] = g.op('Expand', [value, shape]);
      } else {
        const starts = g.ints(`${name}_start_l${l}`, [1], [l * D]);
        const ends = g.ints(`${name}_end_l${l}`, [1], [(l + 1) * D]);
        slots[l] = g.op('Slice', [all, starts, ends, g.ints(`${name}_axes_l${l}`, [1], [0])]);
      }
    }
  }
  return out;
}
