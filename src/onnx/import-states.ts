/** Where each recurrent node's initial_h / initial_c comes from, as one of rnnkit's modes. */
import type { InitialStateMode } from 'rnnkit';
import { unsupported } from './cell-attributes.js';
import type { GraphIndex } from './graph-index.js';
import { ATTR, type NodeMsg, type TensorMsg } from './messages.js';
import { ElementBudget, elementCount, readValues } from './tensors.js';

/** One node's initial state, classified. */
export type StateSource =
  | { mode: 'zeros' }
  | { mode: 'given'; input: string }
  | { mode: 'learned'; value: TensorMsg; name: string }
  | { mode: 'encoded'; gemm: NodeMsg };

/** Operators an initial state may pass through on its way from its source. */
const STATE_PATH = new Set([
  'Identity',
  'Slice',
  'Squeeze',
  'Unsqueeze',
  'Reshape',
  'Transpose',
  'Expand',
]);

/**
 * The source of input `slot` (5: initial_h, 6: initial_c) of recurrent `node`: nothing or a
 * zero constant (zeros), a fed graph input (given), a non-zero constant of `D*H` values
 * broadcast by Expand (learned), or `Tanh(Gemm(fed input, W, b))` (encoded).
 * @throws TypeError naming the node for any other source.
 */
export function stateSource(ix: GraphIndex, node: NodeMsg, slot: number, DH: number): StateSource {
  let name = node.inputs[slot] ?? '';
  const what = slot === 5 ? 'initial_h' : 'initial_c';
  const path = { sliced: false, expanded: false };
  for (let hops = 0; hops < 64 && name !== ''; hops++) {
    const constant = ix.constant(name);
    if (constant !== null) return fromConstant(node, what, name, constant, DH, path);
    if (ix.feeds.has(name)) return { mode: 'given', input: name };
    const p = ix.producer.get(name);
    if (p === undefined) throw unsupported(node, `input ${what} '${name}' is not made by any node`);
    if (p.opType === 'ConstantOfShape') {
      const value = p.attributes.find((a) => a.name === 'value' && a.type === ATTR.TENSOR)?.t;
      if (value && !isZero(value, `the value of node '${p.name}'`))
        throw unsupported(node, `input ${what} is a non-zero ConstantOfShape`);
      return { mode: 'zeros' };
    }
    if (p.opType === 'Tanh') return encoded(ix, node, what, p);
    if (!STATE_PATH.has(p.opType))
      throw unsupported(
        node,
        `input ${what} comes from ${p.opType} node '${p.name}', which is not an initial-state source rnnkit knows`,
      );
    path.sliced ||= p.opType === 'Slice';
    path.expanded ||= p.opType === 'Expand';
    name = p.inputs[0];
  }
  return { mode: 'zeros' };
}

/** Whether a small constant is all zeros (read apart from the weights' budget: at most 4096 values). */
function isZero(t: TensorMsg, where: string): boolean {
  const n = elementCount(t, where);
  return n <= 4096 && readValues(t, where, new ElementBudget(n)).every((x) => x === 0);
}

/**
 * A constant state: learned when `D*H` values are expanded to the batch (even zeros: an
 * untrained learned state), zeros when it is all zeros, an error otherwise.
 */
function fromConstant(
  node: NodeMsg,
  what: string,
  name: string,
  t: TensorMsg,
  DH: number,
  path: { sliced: boolean; expanded: boolean },
): StateSource {
  const n = elementCount(t, `tensor '${name}'`);
  const learned = path.expanded && !path.sliced && n === DH;
  if (!learned && isZero(t, `tensor '${name}'`)) return { mode: 'zeros' };
  if (!learned)
    throw unsupported(
      node,
      `input ${what} comes from constant '${name}' of ${n} values; a learned state needs ${DH} (directions x hidden_size) broadcast to the batch`,
    );
  return { mode: 'learned', value: t, name };
}

function encoded(ix: GraphIndex, node: NodeMsg, what: string, tanh: NodeMsg): StateSource {
  const gemm = ix.producer.get(tanh.inputs[0]);
  if (gemm === undefined || gemm.opType !== 'Gemm' || !ix.feeds.has(gemm.inputs[0]))
    throw unsupported(
      node,
      `input ${what} comes from Tanh node '${tanh.name}', expected Tanh(Gemm(context, W, b)) of a graph input`,
    );
  return { mode: 'encoded', gemm };
}

/** The one mode every layer's states share. @throws TypeError when they differ. */
export function commonMode(node: NodeMsg, sources: StateSource[]): InitialStateMode {
  const mode = sources[0]?.mode ?? 'zeros';
  const other = sources.find((s) => s.mode !== mode);
  if (other !== undefined)
    throw unsupported(
      node,
      `initial states mix the modes '${mode}' and '${other.mode}'; rnnkit uses one mode for every layer`,
    );
  return mode;
}
