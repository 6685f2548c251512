/**
 * Requests exactly as the official Huawei Cloud SDKs send them to the ROMA asset API,
 * recorded once byte for byte (test/fixtures/roma-sdk/{python,go}/*.http), and what a test
 * needs to send them again to a started server: the same request line, headers in the
 * same order and case, the same body layout (the SDK's multipart boundary and part
 * headers), with the ids, host, date and keys of the test and a signature made the way
 * the SDK makes it.
 *
 * How they were recorded: each SDK's own client, signer and form encoder (driven by
 * test/roma/sdk/python-sdk-flow.py and test/roma/sdk/go-sdk-flow/main.go) sent the flow to
 * a plain TCP listener that wrote every request to a file, with the key pair and ids in
 * RECORDED below.
 * - Python: huaweicloud-sdk-python-v3 at commit 343a486b5c8ab656611159f314df6e575d0f6398
 *   (huaweicloudsdkcore 3.1.211: `huaweicloudsdkcore/signer/signer.py`, the multipart form
 *   from `client.py` `_parse_form_data_body`, i.e. requests-toolbelt's MultipartEncoder),
 *   on CPython 3.11 with requests 2.28 and requests-toolbelt 0.10.
 * - Go: huaweicloud-sdk-go-v3 at commit 1cd70eb6f730ea721771a6ec8d96352bbb801787
 *   (`core/auth/signer/signer.go`, the form from `core/request/default_http_request.go`
 *   `covertFormDataBody` and `core/def/multipart.go` `FilePart.Write`), on Go 1.19.
 *
 * What they show: Python signs every header it sets (`content-type`, `host`, `user-agent`,
 * `x-project-id`, `x-sdk-content-sha256`, `x-sdk-date`); Go leaves out `content-type` and
 * `host`. Both send `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for the multipart import, sign a
 * JSON body by its SHA-256 (Go's body ends with a newline; Python's has spaces after `:` and
 * `,`), send `Content-Type: application/json` on GETs without a body, and give the file part
 * no query parameters (the SDK models have no `type`, `prefix` or `datasource_overwrite`).
 * The Python part has only a Content-Disposition header (boundary: 32 hex); Go's adds
 * `Content-Type: application/octet-stream` (boundary: 60 hex).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

export type Sdk = 'python' | 'go';
export type RecordedName = 'export' | 'job' | 'archive' | 'import' | 'delete';

/** The key pair and ids the recordings were made with. */
export const RECORDED = {
  accessKey: 'HPUAEXAMPLEACCESSKEY1',
  secretKey: 'exampleSecretKeyForVectors0123456789abcd',
  projectId: '0123456789abcdef0123456789abcdef',
  sourceInstance: '11111111111111111111111111111111',
  targetInstance: '22222222222222222222222222222222',
  appId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  taskId: 'bbbbbbbbbbbbbbbbbbbbbbbb',
  jobId: 'ff8080814dbd65d7014dbe0d84db0013',
  archiveId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
} as const;

export interface HttpMessage {
  method: string;
  /** Path and query as sent. */
  target: string;
  /** In the order and case sent. */
  headers: Array<[string, string]>;
  body: Buffer;
}

export function readRecorded(sdk: Sdk, name: RecordedName): HttpMessage {
  const raw = readFileSync(new URL(`../fixtures/roma-sdk/${sdk}/${name}.http`, import.meta.url));
  const sep = raw.indexOf('\r\n\r\n');
  const [line, ...rest] = raw.subarray(0, sep).toString('latin1').split('\r\n');
  const [method, target] = line!.split(' ');
  const headers = rest.map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
  return { method: method!, target: target!, headers, body: raw.subarray(sep + 4) };
}

export const headerOf = (m: HttpMessage, name: string): string | undefined => m.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

const setHeader = (m: HttpMessage, name: string, value: string): HttpMessage => ({ ...m, headers: m.headers.map(([k, v]) => [k, k.toLowerCase() === name.toLowerCase() ? value : v]) });

/** RFC 3986 unreserved characters stay, everything else %XX (upper case): both SDKs' `escape` / `quote(s, safe='~')`. */
const sdkEscape = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The signature the SDKs compute, written from their signers (see above): over the
 * headers named in the request's own `SignedHeaders`, the canonical URI with a trailing
 * `/`, the sorted query, and `X-Sdk-Content-Sha256` or the body's SHA-256. Gives the
 * request with `Authorization` replaced.
 */
export function signAsSdk(m: HttpMessage, accessKey: string, secretKey: string): HttpMessage {
  const auth = headerOf(m, 'authorization')!;
  const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
  const [path, query = ''] = m.target.split('?');
  const uri = path!.split('/').map((seg) => sdkEscape(decodeURIComponent(seg))).join('/');
  const canonicalQuery = query ? query.split('&').map((kv) => kv.split('=').map((x) => sdkEscape(decodeURIComponent(x))).join('=')).sort().join('&') : '';
  // Values as sent are bytes (read as latin-1); the SDKs sign their UTF-8 text.
  const lines = signed.map((name) => `${name}:${Buffer.from(headerOf(m, name)!, 'latin1').toString('utf8').trim()}\n`).join('');
  const payload = headerOf(m, 'x-sdk-content-sha256') ?? createHash('sha256').update(m.body).digest('hex');
  const canonical = [m.method, uri.endsWith('/') ? uri : `${uri}/`, canonicalQuery, lines, signed.join(';'), payload].join('\n');
  const toSign = `SDK-HMAC-SHA256\n${headerOf(m, 'x-sdk-date')!}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', secretKey).update(toSign).digest('hex');
  return setHeader(m, 'authorization', `SDK-HMAC-SHA256 Access=${accessKey}, SignedHeaders=${signed.join(';')}, Signature=${signature}`);
}

/** One more header, signed (as the Python SDK signs every header it sends), its value sent as UTF-8. */
export function withSignedHeader(m: HttpMessage, name: string, text: string): HttpMessage {
  const auth = headerOf(m, 'authorization')!;
  const signed = [.../([^,]+)/.exec(auth.split('SignedHeaders=')[1]!)![1]!.split(';'), name.toLowerCase()].sort();
  const headers: Array<[string, string]> = [...m.headers.filter(([k]) => k.toLowerCase() !== 'authorization'), [name, Buffer.from(text, 'utf8').toString('latin1')], ['Authorization', auth.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${signed.join(';')}`)]];
  return { ...m, headers };
}

/** `YYYYMMDDTHHMMSSZ`, as the SDKs write X-Sdk-Date. */
const sdkDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** The file part's bytes of a recorded multipart body replaced, its boundary and part headers kept. */
export function withFileContent(m: HttpMessage, content: Buffer): HttpMessage {
  const boundary = /boundary=([^;]+)/.exec(headerOf(m, 'content-type')!)![1]!;
  const start = m.body.indexOf('\r\n\r\n') + 4;
  const end = m.body.lastIndexOf(`\r\n--${boundary}--`);
  return { ...m, body: Buffer.concat([m.body.subarray(0, start), content, m.body.subarray(end)]) };
}

export interface Replay {
  /** Recorded id → the test's id (path segments, X-Project-Id, quoted JSON strings). */
  ids: Record<string, string>;
  /** The server's `host:port`. */
  host: string;
  accessKey: string;
  secretKey: string;
  date: Date;
}

/** A recorded request made the test's: its ids, host, date and key, signed as the SDK signs, the length counted again. */
export function replayed(m: HttpMessage, r: Replay): HttpMessage {
  const swap = (s: string) => r.ids[s] ?? s;
  const [path, query] = m.target.split('?');
  let body = m.body;
  if (headerOf(m, 'content-type')!.startsWith('application/json')) {
    let text = body.toString('utf8');
    for (const [from, to] of Object.entries(r.ids)) text = text.split(`"${from}"`).join(`"${to}"`);
    body = Buffer.from(text, 'utf8');
  }
  let out: HttpMessage = { ...m, target: path!.split('/').map(swap).join('/') + (query !== undefined ? `?${query}` : ''), body };
  if (headerOf(out, 'host') !== undefined) out = setHeader(out, 'host', r.host);
  out = setHeader(out, 'x-project-id', swap(headerOf(out, 'x-project-id')!));
  out = setHeader(out, 'x-sdk-date', sdkDate(r.date));
  if (headerOf(out, 'content-length') !== undefined) out = setHeader(out, 'content-length', String(out.body.length));
  return signAsSdk(out, r.accessKey, r.secretKey);
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends a request exactly as given (no header added: Go's requests carry no Connection
 * header, Python's say keep-alive) and reads one answer framed by its Content-Length.
 */
export function sendVerbatim(url: string, m: HttpMessage): Promise<Answer> {
  const u = new URL(url);
  const head = [`${m.method} ${m.target} HTTP/1.1`, ...m.headers.map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    let got = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the connection closed before a whole answer: ${got.toString('latin1').slice(0, 200)}`)));
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const sep = got.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const [status, ...lines] = got.subarray(0, sep).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? NaN);
      if (!Number.isFinite(length)) return reject(new Error(`an answer without Content-Length: ${status!}`));
      if (got.length - sep - 4 < length) return;
      socket.removeAllListeners('close');
      socket.destroy();
      resolve({ status: Number(status!.split(' ')[1]), headers, body: got.subarray(sep + 4, sep + 4 + length) });
    });
    socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), m.body]));
  });
}
