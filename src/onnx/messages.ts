/**
 * The ONNX messages rnnkit reads and writes (onnx.proto field numbers), as plain objects, with
 * their encoders and bounded decoders. Fields rnnkit does not use are skipped when reading.
 */
import {
  BYTES,
  FIXED32,
  malformed,
  ProtoWriter,
  readFields,
  readPackedInts,
  readString,
  VARINT,
} from './protobuf.js';

/** TensorProto.DataType values rnnkit uses. */
export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;

/** A TensorProto: its data stays a view of the file until it is read with a limit. */
export interface TensorMsg {
  name: string;
  dims: number[];
  dataType: number;
  /** raw_data, or packed float_data as little-endian bytes, or null. */
  raw: Uint8Array | null;
  /** int32_data / int64_data, or float_data written unpacked. */
  values: number[];
  /** True when the data lives in an external file (not supported). */
  external: boolean;
}

/** An AttributeProto (graph attributes are rejected while reading). */
export interface AttributeMsg {
  name: string;
  type: number;
  f: number;
  i: number;
  s: string;
  t: TensorMsg | null;
  floats: number[];
  ints: number[];
  strings: string[];
}

/** AttributeProto.AttributeType values. */
export const ATTR = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** A NodeProto. */
export interface NodeMsg {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeMsg[];
}

/** A ValueInfoProto of a tensor: element type and dims (a size, a symbolic name, or null). */
export interface ValueInfoMsg {
  name: string;
  elemType: number;
  dims: Array<number | string | null>;
}

/** A GraphProto. */
export interface GraphMsg {
  name: string;
  nodes: NodeMsg[];
  initializers: TensorMsg[];
  inputs: ValueInfoMsg[];
  outputs: ValueInfoMsg[];
}

/** A ModelProto. */
export interface ModelMsg {
  irVersion: number;
  producerName: string;
  opsets: Array<{ domain: string; version: number }>;
  graph: GraphMsg;
}

// ---- writing

function writeTensor(w: ProtoWriter, t: TensorMsg): void {
  w.packedInts(1, t.dims).int(2, t.dataType).string(8, t.name);
  if (t.raw !== null) w.bytes(9, t.raw);
}

function writeAttribute(w: ProtoWriter, a: AttributeMsg): void {
  w.string(1, a.name).int(20, a.type);
  if (a.type === ATTR.FLOAT) w.float(2, a.f);
  else if (a.type === ATTR.INT) w.int(3, a.i);
  else if (a.type === ATTR.STRING) w.string(4, a.s);
  else if (a.type === ATTR.TENSOR && a.t !== null)
    w.message(5, (m) => writeTensor(m, a.t as TensorMsg));
  else if (a.type === ATTR.INTS) w.packedInts(8, a.ints);
  else if (a.type === ATTR.STRINGS) for (const s of a.strings) w.string(9, s);
}

function writeNode(w: ProtoWriter, n: NodeMsg): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes) w.message(5, (m) => writeAttribute(m, a));
  if (n.domain !== '') w.string(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoMsg): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.dims)
          shape.message(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d);
            else if (typeof d === 'string') dim.string(2, d);
          });
      });
    }),
  );
}

/** The bytes of a ModelProto. */
export function encodeModel(m: ModelMsg): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion).string(2, m.producerName);
  w.message(7, (g) => {
    for (const n of m.graph.nodes) g.message(1, (x) => writeNode(x, n));
    g.string(2, m.graph.name);
    for (const t of m.graph.initializers) g.message(5, (x) => writeTensor(x, t));
    for (const v of m.graph.inputs) g.message(11, (x) => writeValueInfo(x, v));
    for (const v of m.graph.outputs) g.message(12, (x) => writeValueInfo(x, v));
  });
  for (const o of m.opsets) w.message(8, (x) => x.string(1, o.domain).int(2, o.version));
  return w.finish();
}

// ---- reading

/** Reads a repeated int64 field, packed or not. */
function pushInts(
  out: number[],
  f: { wire: number; value: number; bytes: Uint8Array },
  where: string,
): void {
  if (f.wire === BYTES) out.push(...readPackedInts(f.bytes, where));
  else if (f.wire === VARINT) out.push(f.value);
  else throw malformed(where, `an integer list has wire type ${f.wire}`);
}

function expectWire(f: { field: number; wire: number }, wire: number, where: string): void {
  if (f.wire !== wire)
    throw malformed(where, `field ${f.field} has wire type ${f.wire}, expected ${wire}`);
}

/** The number in field `f`, which must have wire type `wire`. */
function numberOf(
  f: { field: number; wire: number; value: number },
  wire: number,
  where: string,
): number {
  expectWire(f, wire, where);
  return f.value;
}

/** A TensorProto; its data is checked later against its dims (see `tensor.ts`). */
export function decodeTensor(bytes: Uint8Array, where: string): TensorMsg {
  const t: TensorMsg = { name: '', dims: [], dataType: 0, raw: null, values: [], external: false };
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) pushInts(t.dims, f, `${where} dims`);
    else if (f.field === 2) t.dataType = f.value;
    else if (f.field === 8) t.name = readString(f.bytes, where);
    else if (f.field === 9) t.raw = f.bytes;
    else if (f.field === 4 && f.wire === BYTES) {
      if (f.bytes.length % 4 !== 0)
        throw malformed(where, 'float_data is not a whole number of floats');
      t.raw = f.bytes;
    } else if (f.field === 4 && f.wire === FIXED32) t.values.push(f.value);
    else if (f.field === 5 || f.field === 7) pushInts(t.values, f, `${where} int data`);
    else if (f.field === 14) t.external = f.value === 1;
  }
  return t;
}

function decodeAttribute(bytes: Uint8Array, where: string): AttributeMsg {
  const a: AttributeMsg = {
    name: '',
    type: 0,
    f: 0,
    i: 0,
    s: '',
    t: null,
    floats: [],
    ints: [],
    strings: [],
  };
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) a.name = readString(f.bytes, where);
    else if (f.field === 20) a.type = f.value;
    else if (f.field === 2) a.f = numberOf(f, FIXED32, where);
    else if (f.field === 3) a.i = numberOf(f, VARINT, where);
    else if (f.field === 4) a.s = readString(f.bytes, where);
    else if (f.field === 5) a.t = decodeTensor(f.bytes, `${where} tensor`);
    else if (f.field === 6 || f.field === 11)
      throw malformed(where, 'graph attributes are not supported');
    else if (f.field === 7) {
      if (f.wire === FIXED32) a.floats.push(f.value);
      else {
        expectWire(f, BYTES, where);
        const v = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
        for (let k = 0; k + 4 <= f.bytes.length; k += 4) a.floats.push(v.getFloat32(k, true));
      }
    } else if (f.field === 8) pushInts(a.ints, f, where);
    else if (f.field === 9) a.strings.push(readString(f.bytes, where));
  }
  return a;
}

function decodeNode(bytes: Uint8Array, where: string): NodeMsg {
  const n: NodeMsg = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) n.inputs.push(readString(f.bytes, where));
    else if (f.field === 2) n.outputs.push(readString(f.bytes, where));
    else if (f.field === 3) n.name = readString(f.bytes, where);
    else if (f.field === 4) n.opType = readString(f.bytes, where);
    else if (f.field === 7) n.domain = readString(f.bytes, where);
    else if (f.field === 5) n.attributes.push(decodeAttribute(f.bytes, `${where} attribute`));
  }
  return n;
}

function decodeValueInfo(bytes: Uint8Array, where: string): ValueInfoMsg {
  const v: ValueInfoMsg = { name: '', elemType: 0, dims: [] };
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) v.name = readString(f.bytes, where);
    if (f.field !== 2 || f.wire !== BYTES) continue;
    for (const tt of readFields(f.bytes, `${where} type`)) {
      if (tt.field !== 1 || tt.wire !== BYTES) continue;
      for (const t of readFields(tt.bytes, `${where} tensor type`)) {
        if (t.field === 1) v.elemType = t.value;
        if (t.field !== 2 || t.wire !== BYTES) continue;
        for (const d of readFields(t.bytes, `${where} shape`)) {
          if (d.field !== 1 || d.wire !== BYTES) continue;
          let dim: number | string | null = null;
          for (const x of readFields(d.bytes, `${where} dim`)) {
            if (x.field === 1) dim = x.value;
            else if (x.field === 2) dim = readString(x.bytes, where);
          }
          v.dims.push(dim);
        }
      }
    }
  }
  return v;
}

function decodeGraph(bytes: Uint8Array): GraphMsg {
  const g: GraphMsg = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  for (const f of readFields(bytes, 'graph')) {
    const n = g.nodes.length;
    if (f.field === 1) g.nodes.push(decodeNode(f.bytes, `node ${n}`));
    else if (f.field === 2) g.name = readString(f.bytes, 'graph name');
    else if (f.field === 5)
      g.initializers.push(decodeTensor(f.bytes, `initializer ${g.initializers.length}`));
    else if (f.field === 11)
      g.inputs.push(decodeValueInfo(f.bytes, `graph input ${g.inputs.length}`));
    else if (f.field === 12)
      g.outputs.push(decodeValueInfo(f.bytes, `graph output ${g.outputs.length}`));
    else if (f.field === 15) throw malformed('graph', 'sparse initializers are not supported');
  }
  return g;
}

/**
 * A ModelProto from untrusted bytes: every length is checked before it is read, and a file
 * without a graph is an error.
 * @throws TypeError naming the message and field that is malformed.
 */
export function decodeModel(bytes: Uint8Array): ModelMsg {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`ONNX bytes are ${typeof bytes}, expected a Uint8Array`);
  let irVersion = 0;
  let producerName = '';
  const opsets: ModelMsg['opsets'] = [];
  let graph: GraphMsg | null = null;
  for (const f of readFields(bytes, 'model')) {
    if (f.field === 1) irVersion = f.value;
    else if (f.field === 2) producerName = readString(f.bytes, 'producer_name');
    else if (f.field === 7) {
      expectWire(f, BYTES, 'model');
      graph = decodeGraph(f.bytes);
    } else if (f.field === 8) {
      const o = { domain: '', version: 0 };
      for (const x of readFields(f.bytes, 'opset_import')) {
        if (x.field === 1) o.domain = readString(x.bytes, 'opset_import');
        else if (x.field === 2) o.version = x.value;
      }
      opsets.push(o);
    }
  }
  if (graph === null) throw malformed('model', 'it has no graph (field 7)');
  const onnx = opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (onnx === undefined || onnx.version < 7)
    throw malformed(
      'model',
      `it imports no ONNX opset 7 or newer (opset_import: ${JSON.stringify(opsets)})`,
    );
  return { irVersion, producerName, opsets, graph };
}
