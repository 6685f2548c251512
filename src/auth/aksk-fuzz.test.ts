/**
 * Property-based fuzzing of the AK/SK verifier and the other credential parsers: random
 * requests — random methods, URLs, headers (Authorization forms close to and far from the
 * real one, dates, payload hashes, non-ASCII bytes), bodies and access keys — never make
 * them throw; the verifier answers with one of its catalogued reasons. A correctly signed
 * request verifies, and changing any signed part of it makes it fail.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBasicAuth, parseBearer } from './basic.js';
import { signRequest, verifySdkSignature, type HeaderMap } from './aksk-signature.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const AK = 'AKIDEXAMPLE0001';
const SK = 'sk-0123456789abcdef0123456789abcdef';
const NOW = new Date('2024-05-06T07:08:09Z');
const REASONS = ['missing', 'malformed', 'unknown_key', 'expired', 'bad_signature'];
const hex = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength, maxLength });
const lookup = async (ak: string): Promise<string | null> => (ak === AK ? SK : null);

/** Text with the characters that break parsers: separators, controls, latin-1 and astral ones. */
const nasty = fc.string({ unit: fc.oneof(fc.constantFrom(',', '=', ';', ' ', '\t', '"', '%', '/', '?', '&', '+', '\u0000', '\u00ff', '\u00e9', '\ud83d\udca9', 'Access', 'SignedHeaders', 'Signature', 'SDK-HMAC-SHA256'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })), maxLength: 120 });

const authorization = fc.oneof(
  nasty,
  fc.tuple(fc.constantFrom('SDK-HMAC-SHA256', 'sdk-hmac-sha256', 'SDK-HMAC-SHA256 ', 'Basic', 'Bearer'), nasty, fc.constantFrom(AK, '', 'x'.repeat(300)), hex(0, 70), nasty)
    .map(([scheme, signed, ak, sig, tail]) => `${scheme} Access=${ak}, SignedHeaders=${signed}, Signature=${sig}${tail}`),
);

const headers = fc.record(
  {
    authorization: fc.oneof(authorization, fc.array(authorization, { minLength: 0, maxLength: 3 })),
    'x-sdk-date': fc.oneof(nasty, fc.constantFrom('20240506T070809Z', '20240230T000000Z', '99991231T235959Z', '20240506T070809')),
    'x-sdk-content-sha256': fc.oneof(nasty, fc.constantFrom('UNSIGNED-PAYLOAD', '0'.repeat(64)), hex(64, 64)),
    host: nasty,
    'x-project-id': fc.array(nasty, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

const url = fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }).map((u) => u.replace(/^https?:\/\/[^/]+/, '') || '/'), nasty.map((s) => `/${s}`));
const body = fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.constant('UNSIGNED-PAYLOAD' as const));

describe('random requests to the AK/SK verifier', () => {
  it('never throw, and are refused with a catalogued reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'BREW', ''), url, headers, body, async (method, u, h, b) => {
        const r = await verifySdkSignature({ method, url: u, headers: h as HeaderMap, body: b, now: NOW, lookupSecret: lookup });
        if (!r.ok) expect(REASONS).toContain(r.reason);
        else expect(r.accessKey).toBe(AK); // only a real signature can verify, and random input has none
      }),
      { numRuns: 1500, seed: SEED },
    );
  });

  it('a signed request verifies, and any change to a signed part of it fails', async () => {
    const part = fc.constantFrom('method', 'url', 'header', 'body', 'date', 'signature');
    await fc.assert(
      fc.asyncProperty(url, fc.uint8Array({ maxLength: 100 }), part, nasty, async (u, b, which, noise) => {
        // A fragment is never sent, so it is no part of what is signed.
        const bare = u.split('#')[0]!;
        const path = bare.startsWith('/') ? bare : `/${bare}`;
        const base = { Host: 'roma.example.com', 'X-Project-Id': 'p1' };
        const added = signRequest({ method: 'POST', url: path, headers: base, body: Buffer.from(b), accessKey: AK, secretKey: SK, date: NOW });
        const req = { method: 'POST', url: path, headers: { ...base, ...added } as Record<string, string>, body: Buffer.from(b), now: NOW, lookupSecret: lookup };
        expect((await verifySdkSignature(req)).ok).toBe(true);
        if (which === 'method') req.method = 'PUT';
        if (which === 'url') req.url = `${path}${path.includes('?') ? '&' : '?'}extra=${encodeURIComponent(noise)}x`;
        if (which === 'header') req.headers['X-Project-Id'] = `p2${noise}`;
        if (which === 'body') req.body = Buffer.concat([req.body, Buffer.from([1])]);
        if (which === 'date') req.headers['X-Sdk-Date'] = '20240506T070810Z';
        if (which === 'signature') req.headers.Authorization = req.headers.Authorization!.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
        const r = await verifySdkSignature(req);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(REASONS).toContain(r.reason);
      }),
      { numRuns: 400, seed: SEED },
    );
  });
});

describe('random Authorization headers to the Basic and Bearer parsers', () => {
  it('never throw; what they return round-trips', () => {
    fc.assert(
      fc.property(fc.oneof(authorization, nasty, fc.base64String({ maxLength: 80 }).map((s) => `Basic ${s}`), nasty.map((s) => `Basic ${Buffer.from(s).toString('base64')}`)), (h) => {
        const basic = parseBasicAuth(h);
        if (basic) {
          expect(basic.user.length).toBeGreaterThan(0);
          expect(basic.user).not.toMatch(/[\u0000-\u001f\u007f]/);
        }
        const bearer = parseBearer(h);
        if (bearer) expect(h).toContain(bearer);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });
});
