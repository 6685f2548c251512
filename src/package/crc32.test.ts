import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Js } from './crc32.js';

const VECTORS: [string, number][] = [
  ['', 0x00000000],
  ['a', 0xe8b7be43],
  ['abc', 0x352441c2],
  ['123456789', 0xcbf43926],
  ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ['message digest', 0x20159d7f],
];

describe('crc32', () => {
  for (const impl of [
    ['portable', crc32Js],
    ['exported', crc32],
  ] as const) {
    it(`${impl[0]}: matches known vectors`, () => {
      for (const [s, v] of VECTORS) expect(impl[1](Buffer.from(s, 'latin1'))).toBe(v);
    });
    it(`${impl[0]}: is incremental and handles every length mod 8`, () => {
      const data = randomBytes(4099);
      const whole = impl[1](data);
      for (const cut of [0, 1, 7, 8, 9, 1000, 4098, 4099]) {
        expect(impl[1](data.subarray(cut), impl[1](data.subarray(0, cut)))).toBe(whole);
      }
    });
  }

  it('portable and exported agree on random data (and with zlib when present)', () => {
    const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
    for (let n = 0; n < 64; n++) {
      const d = randomBytes(n * 37 + (n % 8));
      expect(crc32Js(d)).toBe(crc32(d));
      if (native) expect(crc32Js(d)).toBe(native(d) >>> 0);
    }
  });

  it('a megabyte of 0xff', () => {
    // Cross-checked against a bytewise reference.
    const d = Buffer.alloc(1 << 20, 0xff);
    let c = ~0;
    for (const b of d) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    expect(crc32Js(d)).toBe(~c >>> 0);
  });
});
