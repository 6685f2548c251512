/**
 * The canonical request of an `SDK-HMAC-SHA256` signature (see aksk-signature.ts for the
 * rules): percent-encoding, the canonical URI, query string and headers, the signed-header
 * list, the string to sign and the HMAC over it; and splitting a request target into its
 * raw path and query.
 */
import { createHmac } from 'node:crypto';
import { sha256Hex } from '../core/json-text.js';

export const SDK_ALGORITHM = 'SDK-HMAC-SHA256';

export type HeaderValue = string | string[] | undefined;
export type HeaderMap = Record<string, HeaderValue>;

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

function canonicalHeaders(headers: HeaderMap, signedHeaders: readonly string[]): string {
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

/** Splits a request target into raw path and raw query; accepts origin-form and absolute-form. */
export function splitUrl(url: string): { path: string; query: string } {
  let target = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  return { path: path === '' ? '/' : path, query: q >= 0 ? target.slice(q + 1) : '' };
}
