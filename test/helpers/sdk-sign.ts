/** Signing requests the way the ROMA SDKs do (AK/SK), for tests. */
import { createHash, createHmac } from 'node:crypto';

/** SDK-HMAC-SHA256, written from the reference (not with the server's own module). */
export function sdkSign(ak: string, sk: string, method: string, url: URL, body: Buffer | 'UNSIGNED-PAYLOAD', extra: Record<string, string> = {}): Record<string, string> {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const headers: Record<string, string> = { host: url.host, 'x-sdk-date': d, ...extra };
  if (body === 'UNSIGNED-PAYLOAD') headers['x-sdk-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const path = url.pathname.split('/').map(enc).join('/');
  const query = [...url.searchParams.entries()].map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join('&');
  const canonical = [method, path.endsWith('/') ? path : `${path}/`, query, names.map((n) => `${n}:${headers[n]!.trim()}\n`).join(''), names.join(';'), body === 'UNSIGNED-PAYLOAD' ? body : createHash('sha256').update(body).digest('hex')].join('\n');
  const toSign = `SDK-HMAC-SHA256\n${d}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const sig = createHmac('sha256', sk).update(toSign).digest('hex');
  const out = { ...headers, authorization: `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=${names.join(';')}, Signature=${sig}` };
  delete (out as Record<string, string>).host;
  return out;
}
