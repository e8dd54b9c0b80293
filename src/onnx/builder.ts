/** A small builder of ONNX graphs: nodes with generated output names, initializers, inputs. */
import {
  ATTR,
  encodeModel,
  type AttributeMsg,
  type NodeMsg,
  type TensorMsg,
  type ValueInfoMsg,
} from './messages.js';
import { floatTensor, int64Tensor } from './tensors.js';
import type { ResolvedModelOptions, Tensor } from 'rnnkit';

/** An attribute value: a number is an INT unless `float` wraps it. */
export type AttrValue = number | string | readonly number[] | readonly string[] | { float: number };

function attribute(name: string, v: AttrValue): AttributeMsg {
  const a: AttributeMsg = {
    name,
    type: 0,
    f: 0,
    i: 0,
    s: '',
    t: null,
    floats: [],
    ints: [],
    strings: [],
  };
  if (typeof v === 'number') return { ...a, type: ATTR.INT, i: v };
  if (typeof v === 'string') return { ...a, type: ATTR.STRING, s: v };
  if ('float' in v) return { ...a, type: ATTR.FLOAT, f: v.float };
  if (v.length > 0 && typeof v[0] === 'string')
    return { ...a, type: ATTR.STRINGS, strings: v as string[] };
  return { ...a, type: ATTR.INTS, ints: v as number[] };
}

/** Collects the parts of one graph and encodes them as a ModelProto. */
export class GraphBuilder {
  private readonly nodes: NodeMsg[] = [];
  private readonly initializers: TensorMsg[] = [];
  private readonly inputs: ValueInfoMsg[] = [];
  private readonly outputs: ValueInfoMsg[] = [];
  private count = 0;

  /** Adds a node; returns its output names (`outputs` of them, or the names given). */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: number | string[] = 1,
  ): string[] {
    const id = this.count++;
    const names =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, k) => `${op}_${id}_${k}`)
        : outputs;
    let used = inputs.length;
    while (used > 0 && inputs[used - 1] === '') used--;
    const attributes = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({
      name: `${op}_${id}`,
      opType: op,
      domain: '',
      inputs: inputs.slice(0, used),
      outputs: names,
      attributes,
    });
    return names;
  }

  /** Adds a node with one output and returns its name. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.node(op, inputs, attrs, output === undefined ? 1 : [output])[0];
  }

  /** A float32 initializer. */
  floats(name: string, dims: number[], data: ArrayLike<number>): string {
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  /** An int64 initializer (shapes, indices, axes); a scalar when `dims` is empty. */
  ints(name: string, dims: number[], data: readonly number[]): string {
    this.initializers.push(int64Tensor(name, dims, data));
    return name;
  }

  /** A graph input. */
  input(name: string, elemType: number, dims: Array<number | string>): string {
    this.inputs.push({ name, elemType, dims });
    return name;
  }

  /** A graph output. */
  output(name: string, elemType: number, dims: Array<number | string>): void {
    this.outputs.push({ name, elemType, dims });
  }

  /** The ModelProto's bytes. */
  encode(graphName: string, opset: number, producer: string): Uint8Array {
    return encodeModel({
      irVersion: 7,
      producerName: producer,
      opsets: [{ domain: '', version: opset }],
      graph: {
        name: graphName,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    });
  }
}

/** Names and sizes the export steps share. */
export interface ExportContext {
  readonly g: GraphBuilder;
  readonly o: Readonly<ResolvedModelOptions>;
  readonly dict: Record<string, Tensor>;
  readonly D: number;
  /** The int32 `lengths` input, or '' without one. */
  readonly lengths: string;
  /** `[1]` int64: the batch size, read from the input's shape. */
  readonly batch: string;
}
