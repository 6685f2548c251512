import { describe, expect, it } from 'vitest';
import { assetChecksum, canonicalJson, checkStorableJson, sha256Hex } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('checksums a JSON body as the text it is stored as', () => {
    expect(assetChecksum({ body: { x: 1, y: [1, 2] } })).toBe(sha256Hex('{"x":1,"y":[1,2]}'));
    expect(assetChecksum({ body: { x: 1 } })).not.toBe(assetChecksum({ body: { x: 2 } }));
  });
  it('checksums binary content as raw bytes', () => {
    expect(assetChecksum({ content: Buffer.from('abc') })).toBe(sha256Hex('abc'));
  });
  it('keeps __proto__ as an ordinary key', () => {
    const body = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(canonicalJson(body)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
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
