/**
 * The protobuf wire format, as far as ONNX files need it: a writer that appends fields, and a
 * bounded reader that checks every declared length against the bytes left before it reads or
 * allocates anything.
 */

/** Wire types: varint, 64-bit, length-delimited, 32-bit. */
export const VARINT = 0;
export const FIXED64 = 1;
export const BYTES = 2;
export const FIXED32 = 5;

/** Appends protobuf fields to a growing buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An int32/int64 field (negative values take ten bytes, as protobuf says). */
  int(field: number, value: number): this {
    this.tag(field, VARINT);
    this.varint(value);
    return this;
  }

  /** A length-delimited field holding `bytes`. */
  bytes(field: number, bytes: Uint8Array): this {
    this.tag(field, BYTES);
    this.varint(bytes.length);
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /** A string field, UTF-8. */
  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  /** A 32-bit float field. */
  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** A nested message written by `write`. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  /** The bytes written so far (a copy of exactly that length). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One field read from a message: a number (varint, fixed) or a view of its bytes. */
export interface ProtoField {
  readonly field: number;
  readonly wire: number;
  /** Varint and fixed values; 0 for length-delimited fields. */
  readonly value: number;
  /** Length-delimited content (a view into the file, not a copy); empty otherwise. */
  readonly bytes: Uint8Array;
}

/** Thrown for bytes that are not a well-formed message; names where it went wrong. */
export function malformed(where: string, what: string): TypeError {
  return new TypeError(`ONNX file is malformed: ${where}: ${what}`);
}

const EMPTY = new Uint8Array(0);

/** A position in a message's bytes; every read checks the bytes left. */
class Cursor {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
  ) {}

  get left(): number {
    return this.bytes.length - this.pos;
  }

  /** A varint as a signed 64-bit integer within ±2^53. */
  varint(what: string): number {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.bytes.length) throw malformed(this.where, `${what} runs past the end`);
      const b = this.bytes[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        const n = BigInt.asIntN(64, v);
        if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER))
          throw malformed(this.where, `${what} ${n} is beyond ±2^53`);
        return Number(n);
      }
    }
    throw malformed(this.where, `${what} is a varint longer than ten bytes`);
  }
}

/**
 * Reads the fields of one message from `bytes`. Every length is checked against the bytes left
 * in the message before anything is read; varints longer than ten bytes, unknown wire types,
 * field number 0 and integers outside ±2^53 are errors naming `where`.
 */
export function* readFields(bytes: Uint8Array, where: string): Generator<ProtoField> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c = new Cursor(bytes, where);
  while (c.left > 0) {
    const key = c.varint('a field key');
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field < 1 || key < 0) throw malformed(where, `field number ${field} is not valid`);
    if (wire === VARINT) {
      yield { field, wire, value: c.varint(`field ${field}`), bytes: EMPTY };
    } else if (wire === FIXED32 || wire === FIXED64) {
      const size = wire === FIXED32 ? 4 : 8;
      if (c.left < size)
        throw malformed(where, `field ${field} needs ${size} bytes, ${c.left} left`);
      const value = size === 4 ? view.getFloat32(c.pos, true) : view.getFloat64(c.pos, true);
      c.pos += size;
      yield { field, wire, value, bytes: EMPTY };
    } else if (wire === BYTES) {
      const n = c.varint(`the length of field ${field}`);
      if (n < 0 || n > c.left)
        throw malformed(where, `field ${field} declares ${n} bytes, ${c.left} left`);
      yield { field, wire, value: 0, bytes: bytes.subarray(c.pos, c.pos + n) };
      c.pos += n;
    } else throw malformed(where, `field ${field} has wire type ${wire}, not one ONNX uses`);
  }
}

/** The integers of a packed repeated varint field (each checked as {@link readFields} does). */
export function readPackedInts(bytes: Uint8Array, where: string): number[] {
  const out: number[] = [];
  const c = new Cursor(bytes, where);
  while (c.left > 0) out.push(c.varint('a packed integer'));
  return out;
}

/** UTF-8 text of a string field. */
export function readString(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw malformed(where, 'a string is not valid UTF-8');
  }
}
