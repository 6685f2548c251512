import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  hashCanonicalRequest,
  parseSdkAuthorization,
  parseSdkDate,
  sdkEscape,
  sign,
  signRequest,
  stringToSign,
  verifySdkSignature,
  type HeaderMap,
  type VerifyInput,
} from './aksk-signature.js';

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const AK = 'AKIDEXAMPLE0001';
const SK = 'sk-0123456789abcdef0123456789abcdef';
const lookup = async (ak: string): Promise<string | null> => (ak === AK ? SK : null);
const NOW = new Date('2024-05-06T07:08:09Z');

/** Builds a signed request the way a client would, then returns verify input for it. */
function signed(opts: { method?: string; url: string; headers?: HeaderMap; body?: Buffer | 'UNSIGNED-PAYLOAD'; date?: Date }): VerifyInput & { headers: Record<string, string> } {
  const method = opts.method ?? 'POST';
  const headers: Record<string, string> = { Host: 'roma.example.com', ...((opts.headers ?? {}) as Record<string, string>) };
  const added = signRequest({ method, url: opts.url, headers, body: opts.body, accessKey: AK, secretKey: SK, date: opts.date ?? NOW });
  return { method, url: opts.url, headers: { ...headers, ...added }, body: opts.body ?? Buffer.alloc(0), now: NOW, lookupSecret: lookup };
}

describe('known-answer vectors from huaweicloud-sdk-go-v3 core/auth/signer/signer_test.go', () => {
  // ak "AccessKey", sk "SecretKey", endpoint https://example.huaweicloud.com, path /path
  it('test1: GET /path?limit=1, only x-sdk-date signed', async () => {
    const canonical = canonicalRequest({
      method: 'GET', path: '/path', query: 'limit=1',
      headers: { 'X-Sdk-Date': '20060102T150405Z', TEST_UNDERSCORE: 'TEST_VALUE' },
      signedHeaders: ['x-sdk-date'], payloadHash: EMPTY_SHA256,
    });
    expect(canonical).toBe(`GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n${EMPTY_SHA256}`);
    const signature = sign('SecretKey', stringToSign('20060102T150405Z', hashCanonicalRequest(canonical)));
    expect(signature).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');

    // and the server accepts exactly that request
    const result = await verifySdkSignature({
      method: 'GET', url: '/path?limit=1', body: Buffer.alloc(0), now: new Date('2006-01-02T15:10:00Z'),
      headers: {
        'x-sdk-date': '20060102T150405Z', test_underscore: 'TEST_VALUE', host: 'example.huaweicloud.com',
        authorization: `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=${signature}`,
      },
      lookupSecret: async (ak) => (ak === 'AccessKey' ? 'SecretKey' : null),
    });
    expect(result).toEqual({ ok: true, accessKey: 'AccessKey' });
  });

  it('test2: POST /path?key=value with a JSON body (Go json.Encoder adds a newline)', () => {
    const body = '{"Name":"test","Id":1}\n';
    const canonical = canonicalRequest({
      method: 'POST', path: '/path', query: new URLSearchParams({ key: 'value' }),
      headers: { 'X-Sdk-Date': '20060102T150405Z', 'Content-Type': 'application/json' },
      signedHeaders: ['x-sdk-date'], payloadHash: sha256(body),
    });
    expect(sign('SecretKey', stringToSign('20060102T150405Z', hashCanonicalRequest(canonical))))
      .toBe('cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
  });

  it('canonical query: escaping, multi-values, sorting (TestSigner_canonicalQueryString)', () => {
    const q = new URLSearchParams();
    q.append('limit', '1');
    q.append('enable', 'true');
    q.append('test', '一 (&=?!#%.*)');
    q.append('path', '/tmp/123');
    for (const v of ['3', '1', '2']) q.append('multi', v);
    const expected = 'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29';
    expect(canonicalQueryString(q)).toBe(expected);
    // the same parameters as a raw query string, in another order and another encoding
    expect(canonicalQueryString('?multi=2&test=%E4%B8%80+(%26%3D%3F!%23%25.*)&multi=3&path=/tmp/123&enable=true&multi=1&limit=1')).toBe(expected);
  });
});

describe('a hand-computed vector (host and content-type signed, unicode path, repeated query)', () => {
  it('matches a computation from the written rules', () => {
    const date = '20240506T070809Z';
    const body = Buffer.from('{"apps":[{"id":"a1"}]}');
    const headers = { Host: 'roma.example.com', 'Content-Type': 'application/json', 'X-Sdk-Date': date, 'X-Project-Id': '  0123abc  ' };
    const path = '/v2/0123abc/instances/inst%201/assets/export';
    const query = 'b=2&a=z&a=%C3%A9&c';
    const expectedCanonical = [
      'POST',
      '/v2/0123abc/instances/inst%201/assets/export/',
      'a=z&a=%C3%A9&b=2&c=', // sorted before escaping (as the SDKs do): 'z' 0x7A < 'é' 0xC3
      'content-type:application/json\nhost:roma.example.com\nx-project-id:0123abc\nx-sdk-date:20240506T070809Z\n',
      'content-type;host;x-project-id;x-sdk-date',
      sha256(body),
    ].join('\n');
    const canonical = canonicalRequest({ method: 'post', path, query, headers, signedHeaders: ['X-Sdk-Date', 'host', 'content-type', 'x-project-id'], payloadHash: sha256(body) });
    expect(canonical).toBe(expectedCanonical);
    const sts = `SDK-HMAC-SHA256\n${date}\n${sha256(expectedCanonical)}`;
    expect(stringToSign(date, hashCanonicalRequest(canonical))).toBe(sts);
    const expectedSig = createHmac('sha256', SK).update(sts).digest('hex');
    expect(sign(SK, sts)).toBe(expectedSig);

    const added = signRequest({ method: 'POST', url: `${path}?${query}`, headers: { Host: 'roma.example.com', 'Content-Type': 'application/json', 'X-Project-Id': '  0123abc  ' }, body, accessKey: AK, secretKey: SK, date: new Date('2024-05-06T07:08:09Z') });
    expect(added).toEqual({
      'X-Sdk-Date': date,
      Authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=${expectedSig}`,
    });
  });
});

describe('building blocks', () => {
  it('sdkEscape keeps only RFC 3986 unreserved characters, upper-case hex, UTF-8', () => {
    expect(sdkEscape('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(sdkEscape(" !\"#$%&'()*+,/:;=?@[]")).toBe('%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D');
    expect(sdkEscape('é€😀')).toBe('%C3%A9%E2%82%AC%F0%9F%98%80');
  });

  it('canonicalUri decodes then re-encodes each segment and appends a slash', () => {
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/v2/p/assets/import')).toBe('/v2/p/assets/import/');
    expect(canonicalUri('/a/b/')).toBe('/a/b/');
    expect(canonicalUri('/a b/c%20d/e+f')).toBe('/a%20b/c%20d/e%2Bf/');
    expect(canonicalUri('/caf%c3%a9/café/x%2Fy')).toBe('/caf%C3%A9/caf%C3%A9/x%2Fy/');
    expect(canonicalUri('/%7euser/it%27s')).toBe('/~user/it%27s/');
    expect(canonicalUri('/bad%zz/raw%ff')).toBe('/bad%25zz/raw%FF/');
  });

  it('canonicalQueryString: sorted by name then value, `+` and %20 are both spaces, names without value', () => {
    expect(canonicalQueryString('')).toBe('');
    expect(canonicalQueryString('?')).toBe('');
    expect(canonicalQueryString('z=1&a=2&m')).toBe('a=2&m=&z=1');
    expect(canonicalQueryString('q=a+b&r=a%20b')).toBe('q=a%20b&r=a%20b');
    expect(canonicalQueryString('k=b&k=a&k=')).toBe('k=&k=a&k=b');
    expect(canonicalQueryString('a=1&&b=2')).toBe('a=1&b=2');
    expect(canonicalQueryString('x=%E2%82%AC&x=%F0%9F%98%80&x=%EF%BF%BD')).toBe('x=%E2%82%AC&x=%EF%BF%BD&x=%F0%9F%98%80'); // code-point order
    expect(canonicalQueryString('B=1&a=2')).toBe('B=1&a=2');
    expect(canonicalQueryString('B=1&a=2', { lowerCaseNames: true })).toBe('a=2&b=1');
  });

  it('formats and parses X-Sdk-Date strictly', () => {
    expect(formatSdkDate(new Date('2024-02-29T23:59:58.999Z'))).toBe('20240229T235958Z');
    expect(parseSdkDate('20240229T235958Z')?.toISOString()).toBe('2024-02-29T23:59:58.000Z');
    for (const bad of ['20230229T000000Z', '20240101T246000Z', '2024-01-01T00:00:00Z', '20240101T000000', '20240101t000000z', ' 20240101T000000Z']) {
      expect(parseSdkDate(bad)).toBeNull();
    }
  });

  it('parseSdkAuthorization reads the three fields and rejects anything else', () => {
    const sig = 'A'.repeat(64);
    expect(parseSdkAuthorization(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;X-Sdk-Date, Signature=${sig}`))
      .toEqual({ accessKey: 'AK1', signedHeaders: ['host', 'x-sdk-date'], signature: 'a'.repeat(64) });
    expect(parseSdkAuthorization(`SDK-HMAC-SHA256 Signature=${sig},Access=AK1,SignedHeaders=x-sdk-date`)?.accessKey).toBe('AK1');
    const bad = [
      undefined,
      '',
      `Basic abc`,
      `SDK-HMAC-SHA256`,
      `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date`,
      `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date, Signature=${sig.slice(1)}`,
      `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date, Signature=${'g'.repeat(64)}`,
      `SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=A K, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date;;host, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date;x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=AK1, Access=AK2, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date, Signature=${sig}, Extra=1`,
      `SDK-HMAC-SHA256X Access=AK1, SignedHeaders=x-sdk-date, Signature=${sig}`,
    ];
    for (const b of bad) expect(parseSdkAuthorization(b)).toBeNull();
  });
});

describe('verifySdkSignature', () => {
  const url = '/v2/0123abc/instances/inst1/assets/import?type=Merge&prefix=dev_';

  it('accepts what signRequest produced', async () => {
    const req = signed({ url, body: Buffer.from('{"a":1}') });
    await expect(verifySdkSignature(req)).resolves.toEqual({ ok: true, accessKey: AK });
  });

  it('accepts header names in any case and Node-style lower-cased header maps', async () => {
    const req = signed({ url, body: Buffer.from('x') });
    const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    await expect(verifySdkSignature({ ...req, headers: lower })).resolves.toMatchObject({ ok: true });
  });

  it('accepts an absolute-form request target', async () => {
    const req = signed({ url, body: Buffer.from('x') });
    await expect(verifySdkSignature({ ...req, url: `http://roma.example.com${url}` })).resolves.toMatchObject({ ok: true });
  });

  it('fails on a tampered path, query, method, body or signed header', async () => {
    const req = signed({ url, headers: { 'X-Project-Id': 'p1' }, body: Buffer.from('{"a":1}') });
    const cases: VerifyInput[] = [
      { ...req, url: url.replace('inst1', 'inst2') },
      { ...req, url: url.replace('Merge', 'AddNew') },
      { ...req, url: `${url}&datasource_overwrite=true` },
      { ...req, url: url.replace('?type=Merge&prefix=dev_', '?type=Merge') },
      { ...req, method: 'PUT' },
      { ...req, body: Buffer.from('{"a":2}') },
      { ...req, headers: { ...req.headers, 'X-Project-Id': 'p2' } },
      { ...req, headers: { ...req.headers, Host: 'evil.example.com' } },
    ];
    for (const c of cases) await expect(verifySdkSignature(c)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
    // an unsigned header may change
    await expect(verifySdkSignature({ ...req, headers: { ...req.headers, 'User-Agent': 'x' } })).resolves.toMatchObject({ ok: true });
  });

  it('fails on a wrong secret or a changed signature', async () => {
    const req = signed({ url });
    await expect(verifySdkSignature({ ...req, lookupSecret: async () => 'other-secret' })).resolves.toEqual({ ok: false, reason: 'bad_signature' });
    const auth = req.headers['Authorization'] as string;
    const flipped = auth.slice(0, -1) + (auth.endsWith('0') ? '1' : '0');
    await expect(verifySdkSignature({ ...req, headers: { ...req.headers, Authorization: flipped } })).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('enforces the 15-minute clock window in both directions', async () => {
    const at = (minutes: number): Date => new Date(NOW.getTime() + minutes * 60_000);
    await expect(verifySdkSignature({ ...signed({ url, date: at(-16) }) })).resolves.toEqual({ ok: false, reason: 'expired' });
    await expect(verifySdkSignature({ ...signed({ url, date: at(16) }) })).resolves.toEqual({ ok: false, reason: 'expired' });
    await expect(verifySdkSignature({ ...signed({ url, date: at(-14) }) })).resolves.toMatchObject({ ok: true });
    await expect(verifySdkSignature({ ...signed({ url, date: at(15) }) })).resolves.toMatchObject({ ok: true });
  });

  it('a non-ASCII header value: signed as UTF-8 text, arriving as Node hands it over (its UTF-8 bytes read as latin-1)', async () => {
    // The Python SDK sends such a value UTF-8 encoded and signs its text; Go signs the same bytes.
    const req = signed({ url, headers: { 'X-Client-Name': 'Zürich 東京' }, body: Buffer.from('{}') });
    const asNode = { ...req, headers: { ...req.headers, 'X-Client-Name': Buffer.from('Zürich 東京', 'utf8').toString('latin1') } };
    await expect(verifySdkSignature(asNode)).resolves.toEqual({ ok: true, accessKey: AK });
    await expect(verifySdkSignature(req)).resolves.toEqual({ ok: true, accessKey: AK });
    // Bytes that are not UTF-8 are taken as they are, and still must match.
    const latin1 = { ...req, headers: { ...req.headers, 'X-Client-Name': 'Z\xfcrich' } };
    await expect(verifySdkSignature(latin1)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('UNSIGNED-PAYLOAD: the body is not covered, everything else is', async () => {
    const req = signed({ url, body: 'UNSIGNED-PAYLOAD' });
    expect(req.headers['X-Sdk-Content-Sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(req.headers['Authorization']).toContain('x-sdk-content-sha256');
    await expect(verifySdkSignature({ ...req, body: 'UNSIGNED-PAYLOAD' })).resolves.toEqual({ ok: true, accessKey: AK });
    await expect(verifySdkSignature({ ...req, body: Buffer.from('any multipart body') })).resolves.toEqual({ ok: true, accessKey: AK });
    await expect(verifySdkSignature({ ...req, url: url.replace('Merge', 'AddNew'), body: 'UNSIGNED-PAYLOAD' })).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a declared hex X-Sdk-Content-Sha256 must match the body', async () => {
    const body = Buffer.from('payload');
    const req = signed({ url, headers: { 'X-Sdk-Content-Sha256': sha256(body) }, body });
    await expect(verifySdkSignature(req)).resolves.toEqual({ ok: true, accessKey: AK });
    await expect(verifySdkSignature({ ...req, body: Buffer.from('other') })).resolves.toEqual({ ok: false, reason: 'bad_signature' });
    // a route that streams the body gets the signed hash back to check itself
    await expect(verifySdkSignature({ ...req, body: 'UNSIGNED-PAYLOAD' })).resolves.toEqual({ ok: true, accessKey: AK, payloadSha256: sha256(body) });
    await expect(verifySdkSignature({ ...req, headers: { ...req.headers, 'X-Sdk-Content-Sha256': 'whatever' } })).resolves.toEqual({ ok: false, reason: 'malformed' });
  });

  it('a streamed body without UNSIGNED-PAYLOAD from the client cannot be verified', async () => {
    const req = signed({ url, body: Buffer.from('x') });
    await expect(verifySdkSignature({ ...req, body: 'UNSIGNED-PAYLOAD' })).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('unknown access key', async () => {
    const req = signed({ url });
    await expect(verifySdkSignature({ ...req, lookupSecret: async () => null })).resolves.toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('missing: no Authorization, or another scheme', async () => {
    const req = signed({ url });
    const { Authorization: _drop, ...rest } = req.headers;
    await expect(verifySdkSignature({ ...req, headers: rest })).resolves.toEqual({ ok: false, reason: 'missing' });
    await expect(verifySdkSignature({ ...req, headers: { ...rest, Authorization: 'Basic YTpi' } })).resolves.toEqual({ ok: false, reason: 'missing' });
  });

  it('malformed: unreadable header, no or bad X-Sdk-Date, x-sdk-date not signed', async () => {
    const req = signed({ url });
    const { 'X-Sdk-Date': _d, ...noDate } = req.headers;
    await expect(verifySdkSignature({ ...req, headers: noDate })).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(verifySdkSignature({ ...req, headers: { ...req.headers, 'X-Sdk-Date': '2024-05-06T07:08:09Z' } })).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(verifySdkSignature({ ...req, headers: { ...req.headers, Authorization: 'SDK-HMAC-SHA256 garbage' } })).resolves.toEqual({ ok: false, reason: 'malformed' });
    const notSigned = (req.headers['Authorization'] as string).replace(/SignedHeaders=[^,]+/, 'SignedHeaders=host');
    await expect(verifySdkSignature({ ...req, headers: { ...req.headers, Authorization: notSigned } })).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(verifySdkSignature({ ...req, headers: { ...req.headers, authorization: ['a', 'b'] } })).resolves.toEqual({ ok: false, reason: 'malformed' });
  });

  it('query order on the wire does not matter; spaces as + or %20 and unicode verify', async () => {
    const signedUrl = '/v2/p/assets/import?z=last&prefix=dev%20team&name=%E4%B8%80%20%28x%29&a=1&a=0';
    const req = signed({ url: signedUrl, body: Buffer.from('b') });
    for (const wire of [
      signedUrl,
      '/v2/p/assets/import?a=0&name=%E4%B8%80%20%28x%29&a=1&prefix=dev+team&z=last',
      '/v2/p/assets/import?prefix=dev%20team&z=last&name=%e4%b8%80+(x)&a=1&a=0',
    ]) {
      await expect(verifySdkSignature({ ...req, url: wire })).resolves.toEqual({ ok: true, accessKey: AK });
    }
    await expect(verifySdkSignature({ ...req, url: signedUrl.replace('dev%20team', 'dev%2Bteam') })).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts the current Go SDK form with lower-cased query names', async () => {
    const date = formatSdkDate(NOW);
    const headers = { 'X-Sdk-Date': date };
    const canonical = canonicalRequest({ method: 'GET', path: '/v2/p/things', query: 'Limit=5&marker=abc', headers, signedHeaders: ['x-sdk-date'], payloadHash: EMPTY_SHA256, lowerCaseQueryNames: true });
    const signature = sign(SK, stringToSign(date, hashCanonicalRequest(canonical)));
    const result = await verifySdkSignature({
      method: 'GET', url: '/v2/p/things?Limit=5&marker=abc', body: Buffer.alloc(0), now: NOW, lookupSecret: lookup,
      headers: { ...headers, Authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=x-sdk-date, Signature=${signature}` },
    });
    expect(result).toEqual({ ok: true, accessKey: AK });
  });

  it('does not look the key up for requests rejected earlier', async () => {
    let calls = 0;
    const counting = async (ak: string): Promise<string | null> => {
      calls++;
      return lookup(ak);
    };
    await verifySdkSignature({ ...signed({ url, date: new Date(NOW.getTime() - 3_600_000) }), lookupSecret: counting });
    await verifySdkSignature({ ...signed({ url }), headers: { Authorization: 'SDK-HMAC-SHA256 x' }, lookupSecret: counting });
    expect(calls).toBe(0);
  });
});
