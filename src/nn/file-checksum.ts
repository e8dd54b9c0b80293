import { crc32 } from './crc32.js';

// The CRC-32 that rnnkit's safetensors files carry in `__metadata__.crc32`: computed over the
// whole file with those 8 hex digits written as zeros, then written in their place.

/** The `__metadata__` key holding the CRC-32 of a file rnnkit wrote. */
export const CHECKSUM_KEY = 'crc32';
/** The value written for the checksum before it is known. */
export const CHECKSUM_PLACEHOLDER = '00000000';
/** `"crc32":"` as the JSON of a header has it, before the 8 hex digits. */
const CHECKSUM_TEXT = new TextEncoder().encode(`"${CHECKSUM_KEY}":"`);
const ZEROS = new TextEncoder().encode(CHECKSUM_PLACEHOLDER);

/** Writes the CRC-32 of `out` (its header, bytes 8 to `headerEnd`, holding the placeholder). */
export function writeChecksum(out: Uint8Array, headerEnd: number): void {
  const at = checksumAt(out.subarray(8, headerEnd)) + 8;
  const hex = crc32(out).toString(16).padStart(8, '0');
  out.set(new TextEncoder().encode(hex), at);
}

/**
 * Where the checksum's 8 hex digits start in the header JSON: after the one `"crc32":"` there
 * (a string value cannot hold an unescaped quote, so only the key matches), or -1.
 */
function checksumAt(json: Uint8Array): number {
  let found = -1;
  outer: for (let i = 0; i + CHECKSUM_TEXT.length <= json.length; i++) {
    for (let j = 0; j < CHECKSUM_TEXT.length; j++)
      if (json[i + j] !== CHECKSUM_TEXT[j]) continue outer;
    if (found >= 0) return -1;
    found = i + CHECKSUM_TEXT.length;
  }
  return found;
}

/** Throws unless the file's CRC-32 (its digits read as `0`) is the one its header holds. */
export function checkChecksum(bytes: Uint8Array, headerEnd: number, stored: string): void {
  const at = checksumAt(bytes.subarray(8, headerEnd)) + 8;
  if (at < 8 || !/^[0-9a-f]{8}$/.test(stored))
    throw new RangeError(
      'safetensors __metadata__.crc32 is not 8 hex digits where rnnkit writes it',
    );
  let crc = crc32(bytes, 0, 0, at);
  crc = crc32(ZEROS, crc);
  crc = crc32(bytes, crc, at + 8, bytes.length);
  const actual = crc.toString(16).padStart(8, '0');
  if (actual !== stored)
    throw new RangeError(
      `safetensors data is damaged: its CRC-32 is ${actual}, the header says ${stored}`,
    );
}
