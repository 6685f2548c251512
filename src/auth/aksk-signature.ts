/**
 * AK/SK request signatures, algorithm `SDK-HMAC-SHA256`: what the official Huawei Cloud
 * SDKs send to ROMA Connect. Matched against the public signers of huaweicloud-sdk-go-v3
 * (`core/auth/signer/signer.go`, `escape.go`, and the expected values in `signer_test.go`,
 * which the unit tests reproduce), huaweicloud-sdk-python-v3
 * (`huaweicloudsdkcore/signer/signer.py`) and huaweicloud-sdk-nodejs-v3
 * (`core/auth/AKSKSigner.ts`).
 *
 *     Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<hex>
 *
 *     canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
 *                         signed headers \n payload hash
 *     string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(canonical request))
 *     signature         = hex(HMAC-SHA256(secret key, string to sign))
 *
 * - canonical URI: the path split at `/`, each segment percent-decoded then encoded again
 *   (UTF-8; only the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~` stay literal; hex
 *   upper case), joined with `/`, and a `/` appended when it does not end with one.
 * - canonical query: every parameter decoded as a form would be (`+` is a space), sorted
 *   by name then value before encoding (code-point order, i.e. the UTF-8 byte order the Go
 *   and Python signers sort in: `a=z` comes before `a=%C3%A9`), encoded as above, `name=value` joined with `&`; a parameter without a
 *   value is `name=`. The current Go signer lower-cases parameter names while the Python
 *   and Node signers keep them; verification accepts either form.
 * - canonical headers: for each signed header (lower-case names, sorted, no duplicates)
 *   `name:trimmed value\n`; a header with several values gives one line per value, the values
 *   sorted (as the Go signer does); a signed header that is absent gives no line (Go).
 * - payload hash: hex SHA-256 of the body, or the value of `X-Sdk-Content-Sha256` when
 *   present — the SDKs send `UNSIGNED-PAYLOAD` there for multipart uploads.
 * - `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC) must be signed and within 15 minutes of now.
 *   `host` is not required to be signed: the Go SDK does not sign it (its own test vectors
 *   carry `SignedHeaders=x-sdk-date`), while the Python and Node SDKs do.
 * - Header values are hashed as the JavaScript strings given. Node decodes incoming header
 *   bytes as latin-1, so a signed header with non-ASCII UTF-8 bytes would not verify; the
 *   SDKs only sign ASCII headers (host, dates, ids, content types).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../core/json-text.js';

export const SDK_ALGORITHM = 'SDK-HMAC-SHA256';
export const SDK_DATE_HEADER = 'x-sdk-date';
export const SDK_CONTENT_SHA256_HEADER = 'x-sdk-content-sha256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Maximum distance between `X-Sdk-Date` and the server clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export type HeaderValue = string | string[] | undefined;
export type HeaderMap = Record<string, HeaderValue>;

export interface SdkAuthorization {
  accessKey: string;
  /** Lower-case, in the order the client listed them. */
  signedHeaders: string[];
  /** 64 lower-case hex characters. */
  signature: string;
}

export type VerifyResult =
  | {
      ok: true;
      accessKey: string;
      /**
       * Present only when the caller passed `body: 'UNSIGNED-PAYLOAD'` (it streams the body)
       * but the client signed a real body hash in `X-Sdk-Content-Sha256`: the signature is
       * valid for a body with this hex SHA-256, which the caller must check itself.
       */
      payloadSha256?: string;
    }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown_key' | 'expired' | 'bad_signature' };


// ---------------------------------------------------------------------------------------
// Encoding

const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

/** Percent-encodes bytes, keeping only RFC 3986 unreserved characters; hex digits upper case. */
function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte < 128 && UNRESERVED[byte] === 1) out += String.fromCharCode(byte);
    else out += '%' + HEX[byte >> 4] + HEX[byte & 15];
  }
  return out;
}

/** Percent-encodes the UTF-8 bytes of `s`, keeping only RFC 3986 unreserved characters. */
export const sdkEscape = (s: string): string => escapeBytes(Buffer.from(s, 'utf8'));

const HEX_DIGIT_RE = /^[0-9A-Fa-f]{2}$/;

/**
 * Decodes %XX escapes to raw bytes (other characters give their UTF-8 bytes). Works on
 * bytes, not text, so an escape that is not valid UTF-8 survives the round trip exactly as
 * the Go signer (which escapes raw bytes) produced it; a `%` not followed by two hex digits
 * stays a literal `%`.
 */
function percentDecodeBytes(s: string, plusIsSpace: boolean): Buffer {
  const parts: Buffer[] = [];
  let literal = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const hex = s.slice(i + 1, i + 3);
    if (c === '%' && HEX_DIGIT_RE.test(hex)) {
      if (literal) parts.push(Buffer.from(literal, 'utf8'));
      literal = '';
      parts.push(Buffer.from([parseInt(hex, 16)]));
      i += 2;
    } else {
      literal += plusIsSpace && c === '+' ? ' ' : c;
    }
  }
  if (literal) parts.push(Buffer.from(literal, 'utf8'));
  return Buffer.concat(parts);
}

/** Canonical URI of a raw (as sent, percent-encoded) path. */
export function canonicalUri(rawPath: string): string {
  const uri = rawPath
    .split('/')
    .map((segment) => escapeBytes(percentDecodeBytes(segment, false)))
    .join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

const lowerAscii = (b: Buffer): Buffer => Buffer.from(b.map((x) => (x >= 65 && x <= 90 ? x + 32 : x)));

/**
 * Canonical query string from parsed parameters or a raw query string (with or without
 * `?`). A raw string is split at `&` (empty pieces skipped) and each piece at its first `=`;
 * `+` means space and %XX escapes are decoded to bytes.
 */
export function canonicalQueryString(query: URLSearchParams | string, opts: { lowerCaseNames?: boolean } = {}): string {
  const pairs: [Buffer, Buffer][] = [];
  if (typeof query === 'string') {
    const raw = query.startsWith('?') ? query.slice(1) : query;
    for (const piece of raw.split('&')) {
      if (piece === '') continue;
      const eq = piece.indexOf('=');
      const k = eq >= 0 ? piece.slice(0, eq) : piece;
      const v = eq >= 0 ? piece.slice(eq + 1) : '';
      pairs.push([percentDecodeBytes(k, true), percentDecodeBytes(v, true)]);
    }
  } else {
    for (const [k, v] of query) pairs.push([Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')]);
  }
  const named = opts.lowerCaseNames ? pairs.map(([k, v]): [Buffer, Buffer] => [lowerAscii(k), v]) : pairs;
  // Byte order of the UTF-8 encoding = code-point order (what the Go and Python signers sort by).
  named.sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]));
  return named.map(([k, v]) => `${escapeBytes(k)}=${escapeBytes(v)}`).join('&');
}

const compareCodePoints = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** A copy of `headers` keyed by lower-case name; same-named headers differing in case are merged. */
export function lowerCaseHeaders(headers: HeaderMap): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const list = out.get(key) ?? [];
    if (Array.isArray(value)) list.push(...value);
    else list.push(value);
    out.set(key, list);
  }
  return out;
}

/** Lower-case, sorted, without duplicates. */
export function normalizeSignedHeaders(signedHeaders: readonly string[]): string[] {
  return [...new Set(signedHeaders.map((h) => h.trim().toLowerCase()))].filter((h) => h !== '').sort();
}

export function canonicalHeaders(headers: HeaderMap, signedHeaders: readonly string[]): string {
  const byName = lowerCaseHeaders(headers);
  const lines: string[] = [];
  for (const name of normalizeSignedHeaders(signedHeaders)) {
    const values = [...(byName.get(name) ?? [])].map((v) => v.trim()).sort(compareCodePoints);
    for (const v of values) lines.push(`${name}:${v}`);
  }
  return lines.join('\n') + '\n';
}

export interface CanonicalRequestInput {
  method: string;
  /** The raw path as sent (percent-encoded as on the wire). */
  path: string;
  query: URLSearchParams | string;
  headers: HeaderMap;
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
  /** Lower-case query parameter names (the current Go SDK's form). */
  lowerCaseQueryNames?: boolean;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    canonicalQueryString(input.query, { lowerCaseNames: input.lowerCaseQueryNames === true }),
    canonicalHeaders(input.headers, input.signedHeaders),
    normalizeSignedHeaders(input.signedHeaders).join(';'),
    input.payloadHash,
  ].join('\n');
}

/** `canonicalRequestHash` is the hex SHA-256 of the canonical request. */
export function stringToSign(sdkDate: string, canonicalRequestHash: string): string {
  return `${SDK_ALGORITHM}\n${sdkDate}\n${canonicalRequestHash}`;
}

export const hashCanonicalRequest = (canonical: string): string => sha256Hex(canonical);

/** Hex HMAC-SHA256 of the string to sign under the secret key (its UTF-8 bytes). */
export function sign(secretKey: string, toSign: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(toSign, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------
// Dates

const SDK_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Parses `YYYYMMDDTHHMMSSZ` strictly (a real UTC calendar time); null otherwise. */
export function parseSdkDate(s: string): Date | null {
  const m = SDK_DATE_RE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return formatSdkDate(date) === s ? date : null;
}

// ---------------------------------------------------------------------------------------
// The Authorization header

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
 
const ACCESS_KEY_RE = /^[^\s,=\u0000-\u001f\u007f]{1,256}$/;

const schemeOf = (header: string): string => header.trimStart().split(/[ \t]/, 1)[0] ?? '';

/** Parses `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`; null when malformed. */
export function parseSdkAuthorization(header: string | undefined): SdkAuthorization | null {
  if (typeof header !== 'string' || header.length > 8192) return null;
  const trimmed = header.trim();
  if (schemeOf(trimmed).toUpperCase() !== SDK_ALGORITHM) return null;
  const rest = trimmed.slice(SDK_ALGORITHM.length).trim();
  const fields = new Map<string, string>();
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (fields.has(name) || !['access', 'signedheaders', 'signature'].includes(name)) return null;
    fields.set(name, value);
  }
  const accessKey = fields.get('access');
  const signed = fields.get('signedheaders');
  const signature = fields.get('signature');
  if (accessKey === undefined || signed === undefined || signature === undefined) return null;
  if (!ACCESS_KEY_RE.test(accessKey)) return null;
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return null;
  const signedHeaders = signed.split(';').map((h) => h.trim().toLowerCase());
  if (signedHeaders.length === 0 || signedHeaders.some((h) => !TOKEN_RE.test(h))) return null;
  if (new Set(signedHeaders).size !== signedHeaders.length) return null;
  return { accessKey, signedHeaders, signature: signature.toLowerCase() };
}

// ---------------------------------------------------------------------------------------
// Verification (server side)

export interface VerifyInput {
  method: string;
  /** Path and query as received (`req.url`), not decoded. */
  url: string;
  headers: HeaderMap;
  /** The whole body, or `UNSIGNED-PAYLOAD` when the route streams it and cannot hash it first. */
  body: Buffer | typeof UNSIGNED_PAYLOAD;
  now: Date;
  lookupSecret: (accessKey: string) => Promise<string | null>;
}

/** Splits a request target into raw path and raw query; accepts origin-form and absolute-form. */
export function splitUrl(url: string): { path: string; query: string } {
  let target = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  return { path: path === '' ? '/' : path, query: q >= 0 ? target.slice(q + 1) : '' };
}

const single = (values: string[] | undefined): string | undefined => (values && values.length === 1 ? values[0] : undefined);

const constantTimeHexEqual = (a: string, b: string): boolean => {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
};

export async function verifySdkSignature(input: VerifyInput): Promise<VerifyResult> {
  const headers = lowerCaseHeaders(input.headers);
  const authValues = headers.get('authorization');
  if (!authValues || authValues.length === 0) return { ok: false, reason: 'missing' };
  const authHeader = single(authValues);
  if (authHeader === undefined) return { ok: false, reason: 'malformed' };
  // Another scheme (Basic, Bearer…) is not an AK/SK request at all.
  if (schemeOf(authHeader).toUpperCase() !== SDK_ALGORITHM) return { ok: false, reason: 'missing' };
  const auth = parseSdkAuthorization(authHeader);
  if (!auth) return { ok: false, reason: 'malformed' };
  if (!auth.signedHeaders.includes(SDK_DATE_HEADER)) return { ok: false, reason: 'malformed' };

  const sdkDate = single(headers.get(SDK_DATE_HEADER))?.trim();
  const date = sdkDate === undefined ? null : parseSdkDate(sdkDate);
  if (!date || sdkDate === undefined) return { ok: false, reason: 'malformed' };
  if (Math.abs(input.now.getTime() - date.getTime()) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'expired' };

  let payloadHash: string;
  let payloadSha256: string | undefined;
  const declared = headers.get(SDK_CONTENT_SHA256_HEADER);
  if (declared !== undefined) {
    const value = single(declared)?.trim();
    if (value === UNSIGNED_PAYLOAD) {
      payloadHash = UNSIGNED_PAYLOAD;
    } else if (value !== undefined && /^[0-9a-fA-F]{64}$/.test(value)) {
      payloadHash = value;
      if (input.body === UNSIGNED_PAYLOAD) payloadSha256 = value.toLowerCase();
      else if (sha256Hex(input.body) !== value.toLowerCase()) return { ok: false, reason: 'bad_signature' };
    } else {
      return { ok: false, reason: 'malformed' };
    }
  } else if (input.body === UNSIGNED_PAYLOAD) {
    // The client signed the body's hash, and the caller cannot give us the body.
    return { ok: false, reason: 'bad_signature' };
  } else {
    payloadHash = sha256Hex(input.body);
  }

  const { path, query } = splitUrl(input.url);
  const base = { method: input.method, path, query, headers: input.headers, signedHeaders: auth.signedHeaders, payloadHash };
  const candidates = [canonicalRequest(base)];
  const lowered = canonicalRequest({ ...base, lowerCaseQueryNames: true });
  if (lowered !== candidates[0]) candidates.push(lowered);

  const secret = await input.lookupSecret(auth.accessKey);
  if (secret === null) return { ok: false, reason: 'unknown_key' };

  let match = false;
  for (const canonical of candidates) {
    const expected = sign(secret, stringToSign(sdkDate, hashCanonicalRequest(canonical)));
    // Evaluate every candidate, so timing does not depend on which one matched.
    if (constantTimeHexEqual(expected, auth.signature)) match = true;
  }
  if (!match) return { ok: false, reason: 'bad_signature' };
  return payloadSha256 === undefined ? { ok: true, accessKey: auth.accessKey } : { ok: true, accessKey: auth.accessKey, payloadSha256 };
}

// ---------------------------------------------------------------------------------------
// Signing (client side: tests and the CLI)

export interface SignRequestInput {
  method: string;
  /** Path and query exactly as they will be sent. */
  url: string;
  /**
   * Headers the request will carry unchanged (typically `Host`, `Content-Type`,
   * `X-Project-Id`); every one of them is signed. `Authorization` is ignored.
   */
  headers?: HeaderMap;
  /** The body; `UNSIGNED-PAYLOAD` leaves it out of the signature (and sends the header saying so). */
  body?: Buffer | typeof UNSIGNED_PAYLOAD;
  accessKey: string;
  secretKey: string;
  date?: Date;
}

/** Returns the headers to add to the request: `X-Sdk-Date`, `Authorization`, and `X-Sdk-Content-Sha256` for unsigned payloads. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const sdkDate = formatSdkDate(input.date ?? new Date());
  const added: Record<string, string> = { 'X-Sdk-Date': sdkDate };
  const unsigned = input.body === UNSIGNED_PAYLOAD;
  if (unsigned) added['X-Sdk-Content-Sha256'] = UNSIGNED_PAYLOAD;

  const headers: HeaderMap = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === SDK_DATE_HEADER || lower === SDK_CONTENT_SHA256_HEADER) continue;
    headers[name] = value;
  }
  for (const [name, value] of Object.entries(added)) headers[name] = value;
  const signedHeaders = normalizeSignedHeaders(Object.keys(headers).filter((k) => headers[k] !== undefined));

  const { path, query } = splitUrl(input.url);
  const payloadHash = unsigned ? UNSIGNED_PAYLOAD : sha256Hex(input.body === undefined ? Buffer.alloc(0) : input.body);
  const canonical = canonicalRequest({ method: input.method, path, query, headers, signedHeaders, payloadHash });
  const signature = sign(input.secretKey, stringToSign(sdkDate, hashCanonicalRequest(canonical)));
  added['Authorization'] = `${SDK_ALGORITHM} Access=${input.accessKey}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return added;
}
