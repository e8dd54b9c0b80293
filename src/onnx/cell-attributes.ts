/**
 * The one place where ONNX recurrent-node attributes meet rnnkit's cell options, both ways:
 * what an export writes, and what an import accepts.
 */
import type { CellType, ModelOptions, ResolvedModelOptions } from 'rnnkit';
import type { AttrValue } from './builder.js';
import { ATTR, type AttributeMsg, type NodeMsg } from './messages.js';

/** The opset toOnnx writes (LSTM/GRU/RNN with `layout`, Reshape with `allowzero`). */
export const OPSET = 14;

/** ONNX operator of each cell. */
export const ONNX_OPS: Record<CellType, string> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** The attributes of a recurrent node for a model's cell. */
export function exportedCellAttributes(
  o: Readonly<ResolvedModelOptions>,
): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = { hidden_size: o.hiddenSize };
  if (o.bidirectional) attrs.direction = 'bidirectional';
  if (o.reverse) attrs.direction = 'reverse';
  if (o.cell === 'gru') attrs.linear_before_reset = o.linearBeforeReset ? 1 : 0;
  if (o.cell === 'rnn' && o.nonlinearity === 'relu')
    attrs.activations = o.bidirectional ? ['Relu', 'Relu'] : ['Relu'];
  return attrs;
}

/** What an ONNX recurrent node maps to. */
export interface ImportedCell {
  cell: CellType;
  hiddenSize: number;
  bidirectional: boolean;
  /**
   * The model options the node's attributes set, copied as they are into the model's options:
   * a new cell option read from an attribute goes here and nowhere else.
   */
  options: Pick<
    ModelOptions,
    'cell' | 'hiddenSize' | 'bidirectional' | 'reverse' | 'nonlinearity' | 'linearBeforeReset'
  >;
  /** `layout` 1: X, Y, initial and final states are batch-major (weights are the same). */
  batchMajor: boolean;
}

/** Activations rnnkit's cells compute, per direction, by cell (ONNX's defaults). */
const ACTIVATIONS: Record<CellType, readonly string[][]> = {
  rnn: [['Tanh'], ['Relu']],
  lstm: [['Sigmoid', 'Tanh', 'Tanh']],
  gru: [['Sigmoid', 'Tanh']],
};

/** An error naming the node and what about it is not supported. */
export function unsupported(node: NodeMsg, what: string): TypeError {
  return new TypeError(`ONNX node '${node.name || node.opType}' (${node.opType}): ${what}`);
}

function attr(node: NodeMsg, name: string): AttributeMsg | undefined {
  return node.attributes.find((a) => a.name === name);
}

function intAttr(node: NodeMsg, name: string, fallback: number): number {
  const a = attr(node, name);
  if (a === undefined) return fallback;
  if (a.type !== ATTR.INT) throw unsupported(node, `attribute ${name} is not an integer`);
  return a.i;
}

const KNOWN = new Set([
  'hidden_size',
  'direction',
  'layout',
  'activations',
  'activation_alpha',
  'activation_beta',
  'clip',
  'input_forget',
  'linear_before_reset',
]);

/**
 * The cell options of an RNN/LSTM/GRU node, or an error naming the node and the attribute
 * rnnkit cannot compute. Directions and GRU `linear_before_reset` map to model options here and
 * nowhere else.
 */
export function importedCell(node: NodeMsg): ImportedCell {
  const cell = (Object.keys(ONNX_OPS) as CellType[]).find((c) => ONNX_OPS[c] === node.opType);
  if (cell === undefined) throw unsupported(node, 'not a recurrent operator');
  for (const a of node.attributes)
    if (!KNOWN.has(a.name)) throw unsupported(node, `attribute ${a.name} is not supported`);
  const hiddenSize = intAttr(node, 'hidden_size', 0);
  if (hiddenSize < 1)
    throw unsupported(node, `attribute hidden_size is ${hiddenSize}, expected an integer >= 1`);
  const direction = attr(node, 'direction')?.s ?? 'forward';
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional')
    throw unsupported(
      node,
      `attribute direction is '${direction}', expected forward, reverse or bidirectional`,
    );
  const layout = intAttr(node, 'layout', 0);
  if (layout !== 0 && layout !== 1)
    throw unsupported(node, `attribute layout is ${layout}, expected 0 or 1`);
  if (attr(node, 'clip') !== undefined)
    throw unsupported(node, 'attribute clip (cell clipping) is not supported');
  if (intAttr(node, 'input_forget', 0) !== 0)
    throw unsupported(
      node,
      'attribute input_forget=1 (coupled input and forget gates) is not supported',
    );
  if (attr(node, 'activation_alpha') || attr(node, 'activation_beta'))
    throw unsupported(node, 'attributes activation_alpha/activation_beta are not supported');
  const lbr = intAttr(node, 'linear_before_reset', 0);
  if (cell === 'gru' && lbr !== 0 && lbr !== 1)
    throw unsupported(node, `attribute linear_before_reset is ${lbr}, expected 0 or 1`);
  const bidirectional = direction === 'bidirectional';
  const options: ImportedCell['options'] = { cell, hiddenSize, bidirectional };
  if (direction === 'reverse') options.reverse = true;
  // ONNX's default 0 is the GRU of Cho et al. (Keras reset_after=False); PyTorch's is 1.
  if (cell === 'gru' && lbr === 0) options.linearBeforeReset = false;
  const nonlinearity = activationsOf(node, cell, bidirectional);
  if (cell === 'rnn') options.nonlinearity = nonlinearity;
  return { cell, hiddenSize, bidirectional, options, batchMajor: layout === 1 };
}

/** Checks `activations` against what the cell computes; returns the RNN's nonlinearity. */
function activationsOf(node: NodeMsg, cell: CellType, bidirectional: boolean): 'tanh' | 'relu' {
  const a = attr(node, 'activations');
  if (a === undefined) return 'tanh';
  const names = a.strings.map((s) => s.toLowerCase());
  for (const allowed of ACTIVATIONS[cell]) {
    const once = allowed.map((s) => s.toLowerCase());
    const want = bidirectional ? [...once, ...once] : once;
    if (names.length === want.length && names.every((s, i) => s === want[i]))
      return once[0] === 'relu' ? 'relu' : 'tanh';
  }
  throw unsupported(
    node,
    `attribute activations [${a.strings.join(', ')}] is not supported (${node.opType} computes ${ACTIVATIONS[cell].map((s) => s.join(', ')).join(' or ')} per direction)`,
  );
}
