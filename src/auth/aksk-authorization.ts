/**
 * The parts of an `SDK-HMAC-SHA256` request that are parsed rather than computed: the
 * `Authorization` header (`SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`) and
 * the `X-Sdk-Date` time (`YYYYMMDDTHHMMSSZ`, UTC), parsed strictly and formatted.
 */
import { SDK_ALGORITHM } from './aksk-canonical.js';

export interface SdkAuthorization {
  accessKey: string;
  /** Lower-case, in the order the client listed them. */
  signedHeaders: string[];
  /** 64 lower-case hex characters. */
  signature: string;
}

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

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ACCESS_KEY_RE = /^[^\s,=\u0000-\u001f\u007f]{1,256}$/;

/** The scheme of an Authorization header (its first word). */
export const schemeOf = (header: string): string => header.trimStart().split(/[ \t]/, 1)[0] ?? '';

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

