/** A decoded ONNX graph indexed for reading: who makes and who reads each value, and the constants. */
import { ATTR, type GraphMsg, type NodeMsg, type TensorMsg } from './messages.js';
import { unsupported } from './cell-attributes.js';
import { ElementBudget, readValues } from './tensors.js';

/** Operators a graph rnnkit reads may contain (besides the recurrent ones). */
const KNOWN_OPS = new Set([
  'RNN',
  'LSTM',
  'GRU',
  'Constant',
  'Identity',
  'Shape',
  'Gather',
  'GatherND',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'ConstantOfShape',
  'Expand',
  'Slice',
  'Transpose',
  'Reshape',
  'Flatten',
  'MatMul',
  'Gemm',
  'Add',
  'Sub',
  'Mul',
  'Tanh',
  'Cast',
  'Range',
  'Less',
]);

/** Operators that move or reshape a value without changing which numbers it holds. */
export const PASS_THROUGH = new Set([
  'Identity',
  'Transpose',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'Flatten',
]);

/** A graph with its values indexed. */
export class GraphIndex {
  readonly producer = new Map<string, NodeMsg>();
  readonly consumers = new Map<string, NodeMsg[]>();
  private readonly constants = new Map<string, TensorMsg>();
  /** Graph inputs that are not constants: the data a caller feeds. */
  readonly feeds = new Set<string>();
  readonly outputs: Set<string>;

  /**
   * @param bound tensors for graph inputs that hold weights (they become constants).
   * @throws TypeError naming the first node whose operator is not one rnnkit reads.
   */
  constructor(
    readonly graph: GraphMsg,
    bound: ReadonlyMap<string, TensorMsg>,
    readonly budget: ElementBudget,
  ) {
    for (const t of graph.initializers) this.constants.set(t.name, t);
    for (const [name, t] of bound) this.constants.set(name, t);
    for (const v of graph.inputs) if (!this.constants.has(v.name)) this.feeds.add(v.name);
    this.outputs = new Set(graph.outputs.map((v) => v.name));
    for (const node of graph.nodes) {
      if (node.domain !== '' && node.domain !== 'ai.onnx')
        throw unsupported(node, `operator domain '${node.domain}' is not supported`);
      if (!KNOWN_OPS.has(node.opType))
        throw unsupported(node, `operator '${node.opType}' is not supported`);
      for (const o of node.outputs) this.producer.set(o, node);
      for (const i of node.inputs) {
        const list = this.consumers.get(i) ?? [];
        list.push(node);
        this.consumers.set(i, list);
      }
      if (node.opType === 'Constant') {
        const value = node.attributes.find((a) => a.name === 'value' && a.type === ATTR.TENSOR);
        if (value?.t) this.constants.set(node.outputs[0], value.t);
      }
    }
  }

  /** The constant tensor named `name`, or null when it is computed or fed. */
  constant(name: string): TensorMsg | null {
    return this.constants.get(name) ?? null;
  }

  /** The values of constant `name` (taken from the budget), or an error naming the node that needs it. */
  values(name: string, node: NodeMsg, what: string): Float64Array {
    const t = this.constant(name);
    if (t === null)
      throw unsupported(node, `${what} '${name}' is not a constant (an initializer or Constant)`);
    return readValues(t, `tensor '${name}'`, this.budget);
  }

  /** The node that makes `name`, seen through pass-through operators. */
  source(name: string): { name: string; node: NodeMsg | null } {
    let current = name;
    for (let hops = 0; hops < 64; hops++) {
      const node = this.producer.get(current);
      if (node === undefined || !PASS_THROUGH.has(node.opType))
        return { name: current, node: node ?? null };
      current = node.inputs[0];
    }
    return { name: current, node: this.producer.get(current) ?? null };
  }

  /** The nodes that read `name`, other than `Shape` (which reads sizes only). */
  readers(name: string): NodeMsg[] {
    return (this.consumers.get(name) ?? []).filter((n) => n.opType !== 'Shape');
  }
}
