/** The weights of a planned ONNX graph, read under the budget and named as rnnkit's parameters. */
import { Tensor } from 'rnnkit';
import { unsupported } from './cell-attributes.js';
import { fromOnnxGates, gateBlocks } from './gates.js';
import type { GraphIndex } from './graph-index.js';
import type { StateSource } from './import-states.js';
import type { FoundHead } from './import-head.js';
import type { ImportedCell } from './cell-attributes.js';
import type { NodeMsg, TensorMsg } from './messages.js';
import type { ModelOptions } from 'rnnkit';

/** `rows x cols` values transposed to `cols x rows`. */
function transpose(v: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = v[i * cols + j];
  return out;
}

/** What the reader found in the graph before any weight is read. */
export interface GraphPlan {
  readonly layers: NodeMsg[];
  readonly cell: ImportedCell;
  readonly embedding: { node: NodeMsg; table: TensorMsg } | null;
  readonly head: FoundHead;
  readonly states: { h: StateSource[]; c: StateSource[] };
  readonly options: ModelOptions;
}

const tensor = (shape: number[], v: ArrayLike<number>): Tensor =>
  new Tensor(shape, Float64Array.from(v));

/** Every parameter of the planned model by its rnnkit (PyTorch) name. */
export function readWeights(ix: GraphIndex, plan: GraphPlan): Record<string, Tensor> {
  const { cell, layers, options: o } = plan;
  const H = cell.hiddenSize;
  const D = cell.bidirectional ? 2 : 1;
  const G = gateBlocks(cell.cell);
  const dict: Record<string, Tensor> = {};
  if (plan.embedding !== null) {
    const { node, table } = plan.embedding;
    dict['embed.weight'] = tensor([...table.dims], ix.values(node.inputs[0], node, 'table'));
  }
  layers.forEach((node, l) => {
    const In = l === 0 ? o.inputSize : D * H;
    const W = ix.values(node.inputs[1], node, 'W');
    const R = ix.values(node.inputs[2], node, 'R');
    const B =
      (node.inputs[3] ?? '') === ''
        ? new Float64Array(D * 2 * G * H)
        : ix.values(node.inputs[3], node, 'B');
    for (let d = 0; d < D; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const put = (
        name: string,
        shape: number[],
        src: Float64Array,
        from: number,
        block: number,
      ): void => {
        const out = new Float64Array(G * block);
        fromOnnxGates(cell.cell, out, 0, src, from, block);
        dict[`rnn.${name}${sfx}`] = new Tensor(shape, out);
      };
      put('weight_ih', [G * H, In], W, d * G * H * In, H * In);
      put('weight_hh', [G * H, H], R, d * G * H * H, H * H);
      if (o.bias) {
        put('bias_ih', [G * H], B, d * 2 * G * H, H);
        put('bias_hh', [G * H], B, d * 2 * G * H + G * H, H);
      }
    }
  });
  readStates(ix, plan, dict, 'h0', plan.states.h);
  if (cell.cell === 'lstm') readStates(ix, plan, dict, 'c0', plan.states.c);
  readHead(ix, plan, dict);
  return dict;
}

function readStates(
  ix: GraphIndex,
  plan: GraphPlan,
  dict: Record<string, Tensor>,
  name: 'h0' | 'c0',
  sources: StateSource[],
): void {
  const H = plan.cell.hiddenSize;
  const DH = (plan.cell.bidirectional ? 2 : 1) * H;
  const L = plan.layers.length;
  const first = sources[0];
  if (first.mode === 'learned') {
    const all = new Float64Array(L * DH);
    sources.forEach((s, l) => {
      if (s.mode === 'learned') all.set(ix.values(s.name, plan.layers[l], 'initial state'), l * DH);
    });
    dict[name] = new Tensor([(L * DH) / H, 1, H], all);
  }
  if (first.mode !== 'encoded') return;
  const gemm = first.gemm;
  if (sources.some((s) => s.mode !== 'encoded' || s.gemm !== gemm))
    throw unsupported(
      plan.layers[0],
      `the layers' ${name} come from different encoders; rnnkit has one per state`,
    );
  const C = plan.options.contextSize ?? 0;
  const transB = gemm.attributes.find((a) => a.name === 'transB')?.i ?? 0;
  const w = ix.values(gemm.inputs[1], gemm, 'B');
  dict[`${name}_encoder.weight`] = new Tensor(
    [L * DH, C],
    transB === 1 ? w : transpose(w, C, L * DH),
  );
  const b =
    (gemm.inputs[2] ?? '') === '' ? new Float64Array(L * DH) : ix.values(gemm.inputs[2], gemm, 'C');
  if (b.length !== L * DH)
    throw unsupported(gemm, `input C has ${b.length} values, expected ${L * DH}`);
  dict[`${name}_encoder.bias`] = new Tensor([L * DH], b);
}

function readHead(ix: GraphIndex, plan: GraphPlan, dict: Record<string, Tensor>): void {
  const linear = plan.head.linear;
  if (linear === null) return;
  const O = plan.options.outputSize ?? 0;
  const DH = (plan.cell.bidirectional ? 2 : 1) * plan.cell.hiddenSize;
  const w = ix.values(linear.weight, linear.node, 'weight');
  if (w.length !== O * DH)
    throw unsupported(linear.node, `the head weight has ${w.length} values, expected ${O} x ${DH}`);
  dict['head.weight'] = new Tensor([O, DH], linear.transposed ? transpose(w, DH, O) : w);
  const b =
    linear.bias === null ? new Float64Array(O) : ix.values(linear.bias, linear.node, 'bias');
  if (b.length !== O)
    throw unsupported(linear.node, `the head bias has ${b.length} values, expected ${O}`);
  dict['head.bias'] = new Tensor([O], b);
}
