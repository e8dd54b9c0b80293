/** fromOnnx: a Model from an ONNX graph of RNN/LSTM/GRU nodes, as torch.onnx.export or toOnnx write it. */
import { Model, type ModelLoadLimits, type ModelOptions } from 'rnnkit';
import { checkModelLimits, parameterCount } from '../model/limits.js';
import { resolveModelOptions } from '../model/options.js';
import { checkKeys, describe } from '../tensor/errors.js';
import { importedCell, unsupported, type ImportedCell } from './cell-attributes.js';
import { gateBlocks } from './gates.js';
import { GraphIndex } from './graph-index.js';
import { findHead, type FoundHead } from './import-head.js';
import { commonMode, stateSource, type StateSource } from './import-states.js';
import { readWeights, type GraphPlan } from './import-weights.js';
import { decodeModel, type NodeMsg, type TensorMsg } from './messages.js';
import { ElementBudget, floatTensor } from './tensors.js';

/** A tensor supplied for a graph input: its shape and its values in row-major order. */
export interface OnnxWeight {
  /** The tensor's dims. */
  shape: readonly number[];
  /** Its values, row-major. */
  data: ArrayLike<number>;
}

/** Options of {@link fromOnnx}. */
export interface FromOnnxOptions {
  /** Limits for an untrusted file, as for `Model.fromSafetensors` (default 1e8 parameters). */
  limits?: ModelLoadLimits;
  /**
   * Values for graph inputs that hold weights rather than data (ONNX's node tests feed W, R and
   * B as inputs), by input name.
   */
  weights?: Record<string, OnnxWeight>;
}

/**
 * A model from ONNX bytes: the graph `torch.onnx.export` writes for `nn.RNN`/`nn.LSTM`/`nn.GRU`
 * (optionally after an `nn.Embedding` and before an `nn.Linear`, at every step or on the last
 * step), and every graph {@link toOnnx} writes. Gates are reordered to PyTorch's layout, so the
 * model's `stateDict()` matches the PyTorch module's. The bytes are untrusted: every length is
 * checked before it is read, and the parameter count against `limits.maxParameters` before
 * anything is allocated. `sequence_lens` and `layout` describe how a graph is fed, not the
 * weights: pass lengths to `forward` and batch-first inputs as usual.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { fromOnnx, toOnnx } from 'rnnkit/onnx';
 * const model = fromOnnx(readFileSync('lstm.onnx'));   // e.g. from torch.onnx.export
 * const y = model.predict(input);                      // fine-tune with fit(), then toOnnx(model)
 *
 * @throws TypeError for a malformed file, or naming the node and attribute rnnkit cannot run
 *   (peepholes, clip, other activations, a reverse-only direction, GRU linear_before_reset=0,
 *   unknown operators); RangeError for sizes over the limit or inconsistent shapes.
 */
export function fromOnnx(bytes: Uint8Array, options: FromOnnxOptions = {}): Model {
  checkKeys('fromOnnx options', options, ['limits', 'weights']);
  const maxParameters = checkModelLimits(options.limits);
  const msg = decodeModel(bytes);
  const budget = new ElementBudget(maxParameters);
  const ix = new GraphIndex(msg.graph, boundWeights(options.weights, budget), budget);
  const plan = planGraph(ix);
  const count = parameterCount(resolveModelOptions(plan.options));
  if (count > maxParameters)
    throw new RangeError(
      `ONNX model needs ${count} parameters, more than the limit of ${maxParameters} (limits.maxParameters)`,
    );
  const dict = readWeights(ix, plan);
  const model = new Model(plan.options);
  model.loadStateDict(dict);
  return model;
}

function boundWeights(
  weights: FromOnnxOptions['weights'],
  budget: ElementBudget,
): Map<string, TensorMsg> {
  const out = new Map<string, TensorMsg>();
  if (weights === undefined) return out;
  if (typeof weights !== 'object' || weights === null)
    throw new TypeError(`weights is ${describe(weights)}, expected tensors by input name`);
  for (const [name, w] of Object.entries(weights)) {
    if (!Array.isArray(w?.shape) || typeof w?.data?.length !== 'number')
      throw new TypeError(`weights.${name} is ${describe(w)}, expected { shape, data }`);
    budget.take(w.data.length, `weights.${name}`);
    out.set(name, floatTensor(name, [...w.shape], w.data));
  }
  return out;
}

/** The model the graph describes, from its structure and tensor dims only. */
function planGraph(ix: GraphIndex): GraphPlan {
  const layers = ix.graph.nodes.filter(
    (n) => n.opType === 'RNN' || n.opType === 'LSTM' || n.opType === 'GRU',
  );
  if (layers.length === 0) throw new TypeError('ONNX graph has no RNN, LSTM or GRU node');
  const cells = layers.map(importedCell);
  const cell = cells[0];
  layers.forEach((node, l) => checkLayer(ix, node, l, cells[l], cell, layers[l - 1]));
  const D = cell.bidirectional ? 2 : 1;
  const first = ix.constant(layers[0].inputs[1]) as TensorMsg;
  const embedding = embeddingOf(ix, layers[0]);
  const states = {
    h: layers.map((n) => stateSource(ix, n, 5, D * cell.hiddenSize)),
    c: [] as StateSource[],
  };
  if (cell.cell === 'lstm')
    states.c = layers.map((n) => stateSource(ix, n, 6, D * cell.hiddenSize));
  const initialState = commonMode(layers[0], [...states.h, ...states.c]);
  const head = findHead(ix, layers[layers.length - 1]);
  const options: ModelOptions = {
    ...cell.options,
    inputSize: first.dims[2],
    numLayers: layers.length,
    bias: layers.some((n) => (n.inputs[3] ?? '') !== ''),
    initialState,
  };
  if (embedding !== null)
    options.embedding = { vocabSize: embedding.table.dims[0], dim: embedding.table.dims[1] };
  if (head.linear !== null) options.outputSize = headSize(ix, head.linear);
  if (head.mode === 'last') options.head = 'last';
  if (states.h[0].mode === 'encoded') options.contextSize = contextSize(ix, states.h[0].gemm);
  return { layers, cell, embedding, head, states, options };
}

/** Outputs of the head's Linear layer, from its weight's dims. */
function headSize(ix: GraphIndex, linear: NonNullable<FoundHead['linear']>): number {
  const w = ix.constant(linear.weight) as TensorMsg;
  if (w.dims.length !== 2)
    throw unsupported(linear.node, `the head weight has dims [${w.dims.join(', ')}], expected 2`);
  return linear.transposed ? w.dims[1] : w.dims[0];
}

/** Length of the context vector, from the encoder Gemm's weight (`[L*D*H, C]` with transB=1). */
function contextSize(ix: GraphIndex, gemm: NodeMsg): number {
  const w = ix.constant(gemm.inputs[1]);
  if (w === null || w.dims.length !== 2)
    throw unsupported(gemm, 'the initial-state encoder needs constant 2-D weights (input B)');
  const transB = gemm.attributes.some((a) => a.name === 'transB' && a.i === 1);
  return transB ? w.dims[1] : w.dims[0];
}

/** Checks one layer's attributes agree with the first, its weights' dims, and what feeds it. */
function checkLayer(
  ix: GraphIndex,
  node: NodeMsg,
  l: number,
  c: ImportedCell,
  first: ImportedCell,
  below: NodeMsg | undefined,
): void {
  if (JSON.stringify(c.options) !== JSON.stringify(first.options))
    throw unsupported(
      node,
      'its cell, hidden_size, direction or activations differ from the first layer; rnnkit stacks identical layers',
    );
  if ((node.inputs[7] ?? '') !== '')
    throw unsupported(node, 'input P (peephole weights) is not supported');
  const D = c.bidirectional ? 2 : 1;
  const GH = gateBlocks(c.cell) * c.hiddenSize;
  const W = ix.constant(node.inputs[1] ?? '');
  const R = ix.constant(node.inputs[2] ?? '');
  if (W === null || R === null)
    throw unsupported(
      node,
      'inputs W and R must be constants (initializers, Constant nodes or fromOnnx weights)',
    );
  const In = l === 0 ? W.dims[2] : D * c.hiddenSize;
  const want = (t: TensorMsg, dims: number[], what: string): void => {
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))
      throw unsupported(
        node,
        `input ${what} has dims [${t.dims.join(', ')}], expected [${dims.join(', ')}]`,
      );
  };
  want(W, [D, GH, In], 'W');
  want(R, [D, GH, c.hiddenSize], 'R');
  const B = (node.inputs[3] ?? '') === '' ? null : ix.constant(node.inputs[3]);
  if ((node.inputs[3] ?? '') !== '' && B === null)
    throw unsupported(node, 'input B must be a constant');
  if (B !== null) want(B, [D, 2 * GH], 'B');
  if (below !== undefined && ix.source(node.inputs[0]).node !== below)
    throw unsupported(node, `input X does not come from the layer below ('${below.name}')`);
}

/** The embedding feeding layer 0: a Gather of a constant 2-D table by a fed input, or null. */
function embeddingOf(ix: GraphIndex, node: NodeMsg): { node: NodeMsg; table: TensorMsg } | null {
  const src = ix.source(node.inputs[0]);
  if (src.node === null) {
    if (ix.feeds.has(src.name)) return null;
    throw unsupported(node, `input X '${src.name}' is neither a graph input nor computed`);
  }
  const table = ix.constant(src.node.inputs[0]);
  if (
    src.node.opType !== 'Gather' ||
    table === null ||
    table.dims.length !== 2 ||
    !ix.feeds.has(src.node.inputs[1])
  )
    throw unsupported(
      node,
      `input X comes from ${src.node.opType} node '${src.node.name}'; expected a graph input or an embedding (Gather of a constant table)`,
    );
  return { node: src.node, table };
}
