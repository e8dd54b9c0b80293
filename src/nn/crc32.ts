/** CRC-32 (IEEE 802.3, the polynomial of zip and PNG), for the checksums of rnnkit's files. */

let table: Uint32Array | null = null;

function crcTable(): Uint32Array {
  if (table !== null) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * Continues a CRC-32 over `bytes[begin, end)` from `crc` (start from 0); returns the new CRC.
 * Allocates nothing (the 1 KiB table once).
 */
export function crc32(bytes: Uint8Array, crc = 0, begin = 0, end = bytes.length): number {
  const t = crcTable();
  let c = ~crc >>> 0;
  for (let i = begin; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
