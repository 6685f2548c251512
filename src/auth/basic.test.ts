import { describe, expect, it } from 'vitest';
import { parseBasicAuth, parseBearer } from './basic.js';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

describe('parseBasicAuth', () => {
  it('decodes user and password', () => {
    expect(parseBasicAuth(`Basic ${b64('alice:s3cret')}`)).toEqual({ user: 'alice', password: 's3cret' });
  });

  it('treats the scheme case-insensitively and tolerates extra blanks', () => {
    expect(parseBasicAuth(`basic ${b64('a:b')}`)).toEqual({ user: 'a', password: 'b' });
    expect(parseBasicAuth(`BASIC   ${b64('a:b')}  `)).toEqual({ user: 'a', password: 'b' });
    expect(parseBasicAuth(`  Basic\t${b64('a:b')}`)).toEqual({ user: 'a', password: 'b' });
  });

  it('splits at the first colon: the password may contain colons', () => {
    expect(parseBasicAuth(`Basic ${b64('bob:pa:ss:word')}`)).toEqual({ user: 'bob', password: 'pa:ss:word' });
  });

  it('allows an empty password and UTF-8 names', () => {
    expect(parseBasicAuth(`Basic ${b64('bob:')}`)).toEqual({ user: 'bob', password: '' });
    expect(parseBasicAuth(`Basic ${b64('jürgen@example.com:pässwort')}`)).toEqual({ user: 'jürgen@example.com', password: 'pässwort' });
  });

  it('accepts unpadded base64', () => {
    expect(parseBasicAuth(`Basic ${b64('ab:c').replace(/=+$/, '')}`)).toEqual({ user: 'ab', password: 'c' });
  });

  it('rejects an empty user, no colon, or no credentials', () => {
    expect(parseBasicAuth(`Basic ${b64(':password')}`)).toBeNull();
    expect(parseBasicAuth(`Basic ${b64('justauser')}`)).toBeNull();
    expect(parseBasicAuth(`Basic ${b64('')}`)).toBeNull();
    expect(parseBasicAuth('Basic')).toBeNull();
    expect(parseBasicAuth('Basic ')).toBeNull();
  });

  it('rejects other schemes and missing headers', () => {
    expect(parseBasicAuth(undefined)).toBeNull();
    expect(parseBasicAuth('')).toBeNull();
    expect(parseBasicAuth(`Bearer ${b64('a:b')}`)).toBeNull();
    expect(parseBasicAuth(`Basicx ${b64('a:b')}`)).toBeNull();
    expect(parseBasicAuth(b64('a:b'))).toBeNull();
  });

  it('rejects garbage: bad base64, bad padding, invalid UTF-8, control characters, extra tokens', () => {
    expect(parseBasicAuth('Basic !!!!')).toBeNull();
    expect(parseBasicAuth('Basic YWJj=')).toBeNull(); // padding that does not fit
    expect(parseBasicAuth('Basic YWJjZ')).toBeNull(); // length 1 mod 4
    expect(parseBasicAuth(`Basic ${b64(Buffer.from([0x61, 0x3a, 0xff, 0xfe]))}`)).toBeNull();
    expect(parseBasicAuth(`Basic ${b64(Buffer.from([0xc3, 0x28, 0x3a, 0x61]))}`)).toBeNull();
    expect(parseBasicAuth(`Basic ${b64('a\u0000:b')}`)).toBeNull();
    expect(parseBasicAuth(`Basic ${b64('a:b\nc')}`)).toBeNull();
    expect(parseBasicAuth(`Basic ${b64('a:b')} ${b64('c:d')}`)).toBeNull();
    expect(parseBasicAuth(`Basic ${b64('a:b')},x`)).toBeNull();
    expect(parseBasicAuth(`Basic ${'A'.repeat(10_000)}`)).toBeNull();
  });
});

describe('parseBearer', () => {
  it('returns the token', () => {
    expect(parseBearer('Bearer apt_abc-DEF_123')).toBe('apt_abc-DEF_123');
    expect(parseBearer('bearer eyJhbGciOi.eyJzdWIi.sig')).toBe('eyJhbGciOi.eyJzdWIi.sig');
    expect(parseBearer('BEARER  abc+/==  ')).toBe('abc+/==');
  });

  it('returns null for anything else', () => {
    expect(parseBearer(undefined)).toBeNull();
    expect(parseBearer('')).toBeNull();
    expect(parseBearer('Bearer')).toBeNull();
    expect(parseBearer('Bearer ')).toBeNull();
    expect(parseBearer('Basic YTpi')).toBeNull();
    expect(parseBearer('Bearer a b')).toBeNull();
    expect(parseBearer('Bearer a,b')).toBeNull();
    expect(parseBearer('Bearer =abc')).toBeNull();
    expect(parseBearer(`Bearer ${'a'.repeat(9000)}`)).toBeNull();
  });
});
