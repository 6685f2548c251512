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
 * - Header values are signed as their UTF-8 bytes: the Python SDK sends a non-ASCII value
 *   UTF-8 encoded and signs its text, the Go SDK sends and signs the bytes of its (UTF-8)
 *   string. Node hands incoming header bytes over decoded as latin-1, so verification
 *   reads such a value back as UTF-8 when its bytes are valid UTF-8 (`utf8HeaderValues`).
 *
 * This module verifies (server side) and signs (client side: tests and the CLI), and is
 * the public entry: the canonical request is built in aksk-canonical.ts, the
 * Authorization and X-Sdk-Date headers are parsed in aksk-authorization.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../core/json-text.js';
import { formatSdkDate, parseSdkAuthorization, parseSdkDate, schemeOf } from './aksk-authorization.js';
import { canonicalRequest, hashCanonicalRequest, lowerCaseHeaders, normalizeSignedHeaders, sign, splitUrl, stringToSign, SDK_ALGORITHM, type HeaderMap } from './aksk-canonical.js';

export {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  hashCanonicalRequest,
  sdkEscape,
  sign,
  stringToSign,
  type CanonicalRequestInput,
  type HeaderMap,
  type HeaderValue,
} from './aksk-canonical.js';
export { formatSdkDate, parseSdkAuthorization, parseSdkDate, type SdkAuthorization } from './aksk-authorization.js';

const SDK_DATE_HEADER = 'x-sdk-date';
const SDK_CONTENT_SHA256_HEADER = 'x-sdk-content-sha256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Maximum distance between `X-Sdk-Date` and the server clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

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

const single = (values: string[] | undefined): string | undefined => (values && values.length === 1 ? values[0] : undefined);

const constantTimeHexEqual = (a: string, b: string): boolean => {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
};

/**
 * The payload hash the client signed: `X-Sdk-Content-Sha256` when present (checked against
 * the body when the caller has it; handed back as `payloadSha256` when it streams the body),
 * else the body's SHA-256.
 */
function payloadHashOf(
  headers: Map<string, string[]>,
  body: VerifyInput['body'],
): { payloadHash: string; payloadSha256?: string } | 'malformed' | 'bad_signature' {
  const declared = headers.get(SDK_CONTENT_SHA256_HEADER);
  if (declared !== undefined) {
    const value = single(declared)?.trim();
    if (value === UNSIGNED_PAYLOAD) return { payloadHash: UNSIGNED_PAYLOAD };
    if (value === undefined || !/^[0-9a-fA-F]{64}$/.test(value)) return 'malformed';
    if (body === UNSIGNED_PAYLOAD) return { payloadHash: value, payloadSha256: value.toLowerCase() };
    return sha256Hex(body) === value.toLowerCase() ? { payloadHash: value } : 'bad_signature';
  }
  // The client signed the body's hash, and the caller cannot give us the body.
  if (body === UNSIGNED_PAYLOAD) return 'bad_signature';
  return { payloadHash: sha256Hex(body) };
}

/** The bytes of a latin-1-decoded value (as Node gives header values) read as UTF-8, when they are valid UTF-8. */
function fromWire(value: string): string {
  if (!/[^\x00-\x7f]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}

/** Header values as the clients signed them: see the module comment. */
function utf8HeaderValues(headers: HeaderMap): HeaderMap {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(fromWire) : v === undefined ? v : fromWire(v)]));
}

export async function verifySdkSignature(input: VerifyInput): Promise<VerifyResult> {
  const wireHeaders = utf8HeaderValues(input.headers);
  const headers = lowerCaseHeaders(wireHeaders);
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

  const payload = payloadHashOf(headers, input.body);
  if (typeof payload === 'string') return { ok: false, reason: payload };
  const { payloadHash, payloadSha256 } = payload;

  const { path, query } = splitUrl(input.url);
  const base = { method: input.method, path, query, headers: wireHeaders, signedHeaders: auth.signedHeaders, payloadHash };
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

