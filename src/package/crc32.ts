/**
 * CRC-32 (IEEE 802.3, the ZIP polynomial 0xEDB88320, reflected), incremental:
 * `crc32(b, crc32(a)) === crc32(concat(a, b))`.
 *
 * `zlib.crc32` exists only from Node 20.15 / 22.2; where it is present it is used (it is
 * native and fastest). Otherwise a table-driven slicing-by-8 implementation runs, which
 * processes 8 bytes per step (~1 GB/s on V8) instead of one.
 */
import zlib from 'node:zlib';

const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let i = 1; i < 8; i++) {
    const prev = tables[i - 1] as Uint32Array;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const p = prev[n] as number;
      t[n] = ((p >>> 8) ^ (t0[p & 0xff] as number)) >>> 0;
    }
    tables.push(t);
  }
  return tables;
})();

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array,
];

/** The portable implementation (exported for tests and for Node versions without `zlib.crc32`). */
export function crc32Js(data: Uint8Array, previous = 0): number {
  let crc = ~previous;
  const len = data.length;
  let i = 0;
  const end8 = len - (len & 7);
  // Non-null assertions are safe: indices are masked to 0..255 and i < len.
  while (i < end8) {
    const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      T7[a & 0xff]! ^
      T6[(a >>> 8) & 0xff]! ^
      T5[(a >>> 16) & 0xff]! ^
      T4[a >>> 24]! ^
      T3[b & 0xff]! ^
      T2[(b >>> 8) & 0xff]! ^
      T1[(b >>> 16) & 0xff]! ^
      T0[b >>> 24]!;
    i += 8;
  }
  while (i < len) {
    crc = T0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
const native: NativeCrc32 | undefined = (zlib as unknown as { crc32?: NativeCrc32 }).crc32;

/** Whether the native `zlib.crc32` is in use. */
export const crc32IsNative = typeof native === 'function';

/** CRC-32 of `data`, continuing from `previous` (0 to start). Unsigned 32-bit result. */
export const crc32: (data: Uint8Array, previous?: number) => number =
  typeof native === 'function' ? (data, previous = 0) => native(data, previous) >>> 0 : crc32Js;
