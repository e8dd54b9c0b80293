import { Tensor } from '../tensor/tensor.js';
import { describe, quote } from '../tensor/errors.js';
import {
  CHECKSUM_KEY,
  CHECKSUM_PLACEHOLDER,
  checkChecksum,
  writeChecksum,
} from './file-checksum.js';

export { CHECKSUM_KEY } from './file-checksum.js';

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON naming each
 * tensor's dtype, shape and byte range (`data_offsets`, relative to the end of the header) plus
 * an optional `__metadata__` of strings, then the raw little-endian data.
 */

/**
 * Limits applied while decoding untrusted bytes; everything is checked before allocating.
 * @category Files
 */
export interface SafetensorsLimits {
  /** Largest header accepted, in bytes (default 1 MiB). */
  maxHeaderBytes?: number;
  /** Most tensor elements accepted in one file, all tensors together (default 100 000 000). */
  maxParameters?: number;
}

/**
 * Default of {@link SafetensorsLimits.maxParameters} and of the model loaders' limit.
 * @category Files
 */
export const DEFAULT_MAX_PARAMETERS = 100_000_000;
const DEFAULT_MAX_HEADER = 1 << 20;
const MAX_RANK = 8;
const SIZES = { F32: 4, F64: 8 } as const;
type SafeDType = keyof typeof SIZES;

/** One tensor as the header declares it, validated against the bytes present. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafeDType;
  shape: number[];
  /** Byte range in the whole buffer (header included). */
  begin: number;
  end: number;
}

/** A validated header: the entries in data order and the metadata strings. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
}

/**
 * Encodes named tensors as safetensors bytes: float32 tensors as `F32`, float64 as `F64`,
 * little-endian, in the order given; `metadata` goes into `__metadata__`. With `checksum`,
 * `__metadata__.crc32` holds the CRC-32 of the whole file (computed with those 8 hex digits as
 * `0`), which {@link decodeSafetensors} checks. Allocates the buffer.
 * @throws TypeError for a value that is not a Tensor or metadata that is not strings.
 * @example
 * ```ts
 * import { Tensor, decodeSafetensors, encodeSafetensors } from 'rnnkit';
 * const bytes = encodeSafetensors({ w: Tensor.from([[1, 2], [3, 4]]) }, { note: 'hi' });
 * console.log(decodeSafetensors(bytes).tensors.w.shape); // [2, 2]
 * ```
 * @category Files
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
  checksum = false,
): Uint8Array {
  const header: Record<string, unknown> = {};
  const meta = checkMetadata(metadata, 'metadata');
  if (checksum) meta[CHECKSUM_KEY] = CHECKSUM_PLACEHOLDER;
  if (Object.keys(meta).length > 0) header.__metadata__ = meta;
  let offset = 0;
  const list = Object.entries(tensors);
  for (const [name, t] of list) {
    if (!(t instanceof Tensor))
      throw new TypeError(`tensor ${name} is ${describe(t)}, expected a Tensor`);
    const bytes = t.size * (t.dtype === 'float64' ? 8 : 4);
    // defineProperty: a tensor may be named __proto__ and must stay an entry.
    Object.defineProperty(header, name, {
      value: {
        dtype: t.dtype === 'float64' ? 'F64' : 'F32',
        shape: [...t.shape],
        data_offsets: [offset, offset + bytes],
      },
      enumerable: true,
    });
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const [, t] of list) {
    const wide = t.dtype === 'float64';
    for (let i = 0; i < t.size; i++, pos += wide ? 8 : 4) {
      if (wide) view.setFloat64(pos, t.data[i], true);
      else view.setFloat32(pos, t.data[i], true);
    }
  }
  if (checksum) writeChecksum(out, 8 + json.length);
  return out;
}

/**
 * What {@link decodeSafetensors} returns.
 * @category Files
 */
export interface DecodedSafetensors {
  /** Every tensor by name: `F32` entries as float32 tensors, `F64` as float64. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/**
 * Decodes safetensors bytes into tensors by name (`F32` into float32, `F64` into float64) and
 * the metadata. The bytes are untrusted: the header length (at most `maxHeaderBytes`), its JSON,
 * every dtype, shape and byte range, the exact tiling of the data and the total number of
 * values (at most `maxParameters`) are validated before any tensor is allocated.
 * @throws TypeError/RangeError naming the first bad field.
 * @example
 * ```ts
 * import { Tensor, decodeSafetensors, encodeSafetensors } from 'rnnkit';
 * const bytes = encodeSafetensors({ b: Tensor.from([1, 2, 3]) });
 * const { tensors, metadata } = decodeSafetensors(bytes, { maxParameters: 1000 });
 * console.log(Array.from(tensors.b.data), metadata); // [1, 2, 3] {}
 * ```
 * @category Files
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  limits: SafetensorsLimits = {},
): DecodedSafetensors {
  const header = readSafetensorsHeader(bytes, limits);
  const tensors = Object.fromEntries(
    header.entries.map((e) => [e.name, readTensor(bytes, e)] as const),
  );
  return { tensors, metadata: header.metadata };
}

/**
 * Reads and validates the header of safetensors bytes without allocating any tensor: the header
 * length is bounded, its JSON is an object, the CRC-32 matches when `__metadata__.crc32` is there
 * (files written elsewhere, without it, are read as they are), each entry has a supported dtype (`F32`, `F64`), a
 * shape of non-negative integers whose size matches its byte range, and the byte ranges tile the
 * data exactly (no gap, no overlap, nothing after); the total element count is within
 * `maxParameters`.
 * @throws TypeError/RangeError naming the first bad field.
 */
export function readSafetensorsHeader(
  bytes: Uint8Array,
  limits: SafetensorsLimits = {},
): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`safetensors data is ${describe(bytes)}, expected a Uint8Array`);
  const { maxHeaderBytes, maxParameters } = checkLimits(limits);
  if (bytes.length < 8)
    throw new RangeError(`safetensors data has ${bytes.length} bytes, expected at least 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const n = high * 2 ** 32 + low;
  if (n > maxHeaderBytes || 8 + n > bytes.length) {
    throw new RangeError(
      `safetensors header length is ${n} bytes, expected at most ${Math.min(maxHeaderBytes, bytes.length - 8)}`,
    );
  }
  const raw = parseHeader(bytes.subarray(8, 8 + n));
  // Entries by own key only: an entry named __proto__ is an entry like any other.
  const start = 8 + n;
  const metadata = checkMetadata(
    Object.hasOwn(raw, '__metadata__') ? raw.__metadata__ : {},
    '__metadata__',
  );
  if (Object.hasOwn(metadata, CHECKSUM_KEY)) checkChecksum(bytes, start, metadata[CHECKSUM_KEY]);
  const entries = Object.keys(raw)
    .filter((k) => k !== '__metadata__')
    .map((name) => checkEntry(name, raw[name], start));
  checkTiling(entries, start, bytes.length, maxParameters);
  return { entries, metadata };
}

/** Copies one validated entry's data into a new tensor (little-endian, any alignment). */
export function readTensor(bytes: Uint8Array, e: SafetensorsEntry): Tensor {
  const t = new Tensor(e.shape, e.dtype === 'F64' ? 'float64' : 'float32');
  const view = new DataView(bytes.buffer, bytes.byteOffset + e.begin, e.end - e.begin);
  const step = SIZES[e.dtype];
  for (let i = 0; i < t.size; i++)
    t.data[i] = step === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return t;
}

function checkLimits(limits: unknown): { maxHeaderBytes: number; maxParameters: number } {
  if (typeof limits !== 'object' || limits === null)
    throw new TypeError(
      `limits is ${describe(limits)}, expected { maxHeaderBytes?, maxParameters? }`,
    );
  const l = limits as SafetensorsLimits;
  for (const [k, v] of Object.entries(l)) {
    if (k !== 'maxHeaderBytes' && k !== 'maxParameters')
      throw new TypeError(`limits has an unknown option '${k}'`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw new RangeError(`limits.${k} is ${describe(v)}, expected an integer >= 1`);
  }
  return {
    maxHeaderBytes: l.maxHeaderBytes ?? DEFAULT_MAX_HEADER,
    maxParameters: l.maxParameters ?? DEFAULT_MAX_PARAMETERS,
  };
}

function parseHeader(text: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch {
    throw new TypeError('safetensors header is not valid UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError(`safetensors header is ${describe(parsed)}, expected a JSON object`);
  return parsed as Record<string, unknown>;
}

function checkMetadata(value: unknown, what: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${what} is ${describe(value)}, expected an object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new TypeError(`${what}.${short(k)} is ${describe(v)}, expected a string`);
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function checkEntry(name: string, value: unknown, start: number): SafetensorsEntry {
  const where = `safetensors entry ${short(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${where} is ${describe(value)}, expected { dtype, shape, data_offsets }`);
  const e = value as Record<string, unknown>;
  const extra = Object.keys(e).find((k) => !['dtype', 'shape', 'data_offsets'].includes(k));
  if (extra !== undefined) throw new TypeError(`${where} has an unknown field ${short(extra)}`);
  const dtype = e.dtype;
  if (dtype !== 'F32' && dtype !== 'F64')
    throw new TypeError(`${where} has dtype ${describe(dtype)}, expected 'F32' or 'F64'`);
  const shape = e.shape;
  if (!Array.isArray(shape) || shape.length > MAX_RANK)
    throw new TypeError(
      `${where} has shape ${describe(shape)}, expected at most ${MAX_RANK} sizes`,
    );
  let size = 1;
  for (const s of shape as unknown[]) {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)
      throw new RangeError(`${where} has a shape size ${describe(s)}, expected an integer >= 0`);
    size *= s;
  }
  const offsets = e.data_offsets;
  const ok =
    Array.isArray(offsets) &&
    offsets.length === 2 &&
    offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) &&
    (offsets[0] as number) <= (offsets[1] as number);
  if (!ok)
    throw new RangeError(`${where} has data_offsets ${describe(offsets)}, expected [begin, end]`);
  const [b, en] = offsets as [number, number];
  if (en - b !== size * SIZES[dtype]) {
    throw new RangeError(
      `${where} has ${en - b} bytes of data, its shape and dtype need ${size * SIZES[dtype]}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin: start + b, end: start + en };
}

function checkTiling(
  entries: SafetensorsEntry[],
  start: number,
  length: number,
  maxParameters: number,
): void {
  let total = 0;
  for (const e of entries) total += (e.end - e.begin) / SIZES[e.dtype];
  if (total > maxParameters) {
    throw new RangeError(
      `safetensors data declares ${total} values, more than the limit of ${maxParameters} (maxParameters)`,
    );
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = start;
  for (const e of entries) {
    if (e.begin !== at) {
      throw new RangeError(
        `safetensors entry ${short(e.name)} starts at byte ${e.begin - start} of the data, expected ${at - start} (${e.begin < at ? 'overlap' : 'gap'})`,
      );
    }
    at = e.end;
  }
  if (at !== length) {
    throw new RangeError(
      `safetensors data has ${length - start} bytes, its entries cover ${at - start}`,
    );
  }
}

/** A name for an error message, cut to 100 characters. */
function short(name: string): string {
  return quote(name);
}
