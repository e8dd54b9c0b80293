/** What follows the last recurrent node: the head's mode and its Linear layer, if any. */
import { unsupported } from './cell-attributes.js';
import { GraphIndex, PASS_THROUGH } from './graph-index.js';
import { ATTR, type NodeMsg } from './messages.js';

/** The head found after the top layer. */
export interface FoundHead {
  mode: 'sequence' | 'last';
  /** The Linear layer: `weight` as `[O, D*H]` once `transposed` is applied, bias constant or null. */
  linear: { node: NodeMsg; weight: string; transposed: boolean; bias: string | null } | null;
  /** The graph output the path ends in. */
  output: string;
}

function attrOf(n: NodeMsg, name: string): number | null {
  const a = n.attributes.find((x) => x.name === name);
  if (a === undefined) return null;
  return a.type === ATTR.FLOAT ? a.f : a.i;
}

/**
 * Follows the top layer's output `Y` to a graph output: pass-through operators, a Gather at
 * index -1 or a GatherND by lengths (head at the last step), padding masks (Mul), and at most
 * one MatMul+Add or Gemm with constant weights (the head).
 * @throws TypeError naming the node on any other path.
 */
export function findHead(ix: GraphIndex, top: NodeMsg): FoundHead {
  const found: FoundHead = { mode: 'sequence', linear: null, output: '' };
  let name = top.outputs[0];
  for (let hops = 0; hops < 64; hops++) {
    if (name === '' || ix.readers(name).length === 0) return { ...found, output: name };
    const readers = ix.readers(name);
    if (readers.length !== 1)
      throw unsupported(
        top,
        `its output '${name}' is read by ${readers.length} nodes; expected one path to a graph output`,
      );
    const n = readers[0];
    if (PASS_THROUGH.has(n.opType) && n.inputs[0] === name) name = n.outputs[0];
    else if (n.opType === 'Gather' && n.inputs[0] === name) {
      const index = ix.values(n.inputs[1], n, 'index');
      if (index.length !== 1 || index[0] !== -1)
        throw unsupported(n, 'a Gather after the recurrent layers must take step -1 (the last)');
      found.mode = 'last';
      name = n.outputs[0];
    } else if (n.opType === 'GatherND' && n.inputs[0] === name) {
      found.mode = 'last';
      name = n.outputs[0];
    } else if (n.opType === 'Mul') {
      // A padding mask, computed from the lengths; a constant factor would change the output.
      const other = n.inputs[0] === name ? n.inputs[1] : n.inputs[0];
      if (ix.constant(other) !== null)
        throw unsupported(n, 'a Mul by a constant after the recurrent layers is not supported');
      name = n.outputs[0];
    } else if ((n.opType === 'MatMul' || n.opType === 'Gemm') && found.linear === null) {
      name = linearAt(ix, n, name, found);
    } else
      throw unsupported(
        n,
        `the ${n.opType} after the recurrent layers is not part of a head rnnkit reads`,
      );
  }
  throw unsupported(top, 'the path from its output to a graph output is too long');
}

/** Records the head's Linear layer at `n`; returns the value after it (and its bias Add). */
function linearAt(ix: GraphIndex, n: NodeMsg, name: string, found: FoundHead): string {
  if (n.inputs[0] !== name || ix.constant(n.inputs[1]) === null)
    throw unsupported(n, 'a head needs its input first and constant weights second');
  if (n.opType === 'Gemm') {
    if (
      (attrOf(n, 'alpha') ?? 1) !== 1 ||
      (attrOf(n, 'beta') ?? 1) !== 1 ||
      (attrOf(n, 'transA') ?? 0) !== 0
    )
      throw unsupported(n, 'a head Gemm needs alpha=1, beta=1 and transA=0');
    const bias = n.inputs[2] ?? '';
    if (bias !== '' && ix.constant(bias) === null)
      throw unsupported(n, 'input C is not a constant');
    found.linear = {
      node: n,
      weight: n.inputs[1],
      transposed: (attrOf(n, 'transB') ?? 0) === 0,
      bias: bias || null,
    };
    return n.outputs[0];
  }
  found.linear = { node: n, weight: n.inputs[1], transposed: true, bias: null };
  const next = ix.readers(n.outputs[0]);
  if (next.length === 1 && next[0].opType === 'Add') {
    const add = next[0];
    const other = add.inputs[0] === n.outputs[0] ? add.inputs[1] : add.inputs[0];
    if (ix.constant(other) === null) throw unsupported(add, 'the head bias is not a constant');
    found.linear.bias = other;
    return add.outputs[0];
  }
  return n.outputs[0];
}
