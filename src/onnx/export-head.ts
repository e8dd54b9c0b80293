/** The output of an exported model: the head at every step or at the last (real) step. */
import { FLOAT, INT64 } from './messages.js';
import type { ExportContext } from './builder.js';

/**
 * Adds the graph output `output` from the top layer's states `top` (`[time, batch, D*H]`):
 * `[batch, time, O]` (zero at padded steps) or `[batch, O]`; O is `D*H` without a head.
 */
export function exportHead(cx: ExportContext, top: string): void {
  const { g, o, dict, lengths } = cx;
  const DH = cx.D * o.hiddenSize;
  const O = o.outputSize ?? DH;
  const w = o.outputSize === null ? null : dict['head.weight'];
  const b = o.outputSize === null ? null : dict['head.bias'];
  if (o.head === 'last') {
    let last: string;
    if (lengths === '') last = g.op('Gather', [top, g.ints('last_step', [], [-1])], { axis: 0 });
    else {
      const batchMajor = g.op('Transpose', [top], { perm: [1, 0, 2] });
      const steps = g.op('Sub', [g.op('Cast', [lengths], { to: INT64 }), g.ints('one', [], [1])]);
      const index = g.op('Unsqueeze', [steps, g.ints('index_axis', [1], [1])]);
      last = g.op('GatherND', [batchMajor, index], { batch_dims: 1 });
    }
    if (w === null || b === null) g.op('Identity', [last], {}, 'output');
    else
      g.op(
        'Gemm',
        [
          last,
          g.floats('head.weight', [...w.shape], w.data),
          g.floats('head.bias', [...b.shape], b.data),
        ],
        { transB: 1 },
        'output',
      );
    g.output('output', FLOAT, ['batch', O]);
    return;
  }
  let y = g.op('Transpose', [top], { perm: [1, 0, 2] });
  if (w !== null && b !== null) {
    const wt = new Float32Array(DH * O);
    for (let i = 0; i < O; i++) for (let j = 0; j < DH; j++) wt[j * O + i] = w.data[i * DH + j];
    y = g.op('Add', [
      g.op('MatMul', [y, g.floats('head.weight_t', [DH, O], wt)]),
      g.floats('head.bias', [O], b.data),
    ]);
  }
  if (lengths === '') g.op('Identity', [y], {}, 'output');
  else g.op('Mul', [y, paddingMask(cx, top)], {}, 'output');
  g.output('output', FLOAT, ['batch', 'time', O]);
}

/** `[batch, time, 1]` float: 1 at real steps, 0 at padded ones. */
function paddingMask(cx: ExportContext, top: string): string {
  const { g, lengths } = cx;
  const T = g.op('Gather', [g.op('Shape', [top]), g.ints('time_axis', [], [0])], { axis: 0 });
  const steps = g.op('Range', [g.ints('zero', [], [0]), T, g.ints('step', [], [1])]);
  const len = g.op('Unsqueeze', [
    g.op('Cast', [lengths], { to: INT64 }),
    g.ints('len_axis', [1], [1]),
  ]);
  const real = g.op('Cast', [g.op('Less', [steps, len])], { to: FLOAT });
  return g.op('Unsqueeze', [real, g.ints('feature_axis', [1], [2])]);
}
