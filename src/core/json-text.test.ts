import { describe, expect, it } from 'vitest';
import { assetChecksum, checkStorableJson, sha256Hex } from './json-text.js';

describe('assetChecksum', () => {
  it('checksums a JSON body as the text it is stored as', () => {
    expect(assetChecksum({ body: { x: 1, y: [1, 2] } })).toBe(sha256Hex('{"x":1,"y":[1,2]}'));
    expect(assetChecksum({ body: { x: 1 } })).not.toBe(assetChecksum({ body: { x: 2 } }));
  });
  it('checksums binary content as raw bytes', () => {
    expect(assetChecksum({ content: Buffer.from('abc') })).toBe(sha256Hex('abc'));
  });
});

describe('checkStorableJson', () => {
  it('refuses NUL characters, deep nesting and non-finite numbers', () => {
    expect(checkStorableJson({ a: 'x\u0000y' })).toMatch(/NUL/);
    expect(checkStorableJson({ ['k\u0000']: 1 })).toMatch(/NUL/);
    expect(checkStorableJson({ a: 'x\ud800y' })).toMatch(/surrogate/);
    expect(checkStorableJson({ ['\udc00']: 1 })).toMatch(/surrogate/);
    expect(checkStorableJson({ a: 'emoji \ud83d\ude00 ok' })).toBeNull();
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(checkStorableJson(deep)).toMatch(/deeper/);
    expect(checkStorableJson({ n: Infinity })).toMatch(/non-finite/);
    expect(checkStorableJson({ a: [1, 'two', null, true, { b: {} }] })).toBeNull();
  });
});
