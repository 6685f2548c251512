/**
 * `Authorization` header parsing for the SnapLogic dialect (and the native API):
 * `Basic base64(user:password)` (RFC 7617) and `Bearer <token>` (RFC 6750).
 * Both return null on anything they cannot read; they never throw.
 */

/** Headers longer than this are not parsed at all (nothing legitimate comes close). */
const MAX_HEADER_LENGTH = 8192;

const BASIC_RE = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;
const BEARER_RE = /^bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
// C0 controls and DEL: not allowed in a user-id or password (RFC 7617 §2, RFC 7613).
 
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return null;
  const m = BASIC_RE.exec(header.trim());
  if (!m) return null;
  const b64 = m[1] as string;
  // Padding, when present, must make the length a multiple of 4; unpadded input must not be 1 mod 4.
  if (b64.includes('=') ? b64.length % 4 !== 0 : b64.length % 4 === 1) return null;
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(b64, 'base64'));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (CONTROL_RE.test(user) || CONTROL_RE.test(password)) return null;
  return { user, password };
}

export function parseBearer(header: string | undefined): string | null {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return null;
  const m = BEARER_RE.exec(header.trim());
  return m ? (m[1] as string) : null;
}
