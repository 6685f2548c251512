import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

const VECTORS: [string, number][] = [
  ['', 0x00000000],
  ['a', 0xe8b7be43],
  ['abc', 0x352441c2],
  ['123456789', 0xcbf43926],
  ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ['message digest', 0x20159d7f],
];

/** Bitwise reference: one byte, one bit at a time. */
function reference(data: Uint8Array): number {
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32', () => {
  it('matches known vectors, as an unsigned number', () => {
    for (const [s, v] of VECTORS) expect(crc32(Buffer.from(s, 'latin1'))).toBe(v);
  });

  it('matches the bitwise reference on random data of many lengths', () => {
    for (let n = 0; n < 64; n++) {
      const d = randomBytes(n * 37 + (n % 8));
      expect(crc32(d)).toBe(reference(d));
    }
  });

  it('continues a CRC across chunks, as the streaming reader and writer use it', () => {
    const data = randomBytes(4099);
    const whole = crc32(data);
    for (const cut of [0, 1, 7, 8, 9, 1000, 4098, 4099]) {
      expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(whole);
    }
    let running = 0;
    for (let at = 0; at < data.length; at += 333) running = crc32(data.subarray(at, at + 333), running);
    expect(running).toBe(whole);
  });

  it('takes a Uint8Array as well as a Buffer', () => {
    const d = randomBytes(100);
    expect(crc32(new Uint8Array(d))).toBe(crc32(d));
  });
});
