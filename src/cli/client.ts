/**
 * The native API (/api/v1) over HTTP, with Node's fetch: JSON calls, a multipart upload
 * that reports its bytes as they go, a download to a file, and a job's event stream.
 * Every answer that is not a success becomes a CliError carrying the server's problem
 * code and detail.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CliError } from './output.js';
import type { Session } from './credentials.js';

export type Query = Record<string, string | number | boolean | undefined>;

/** A JSON part (`accounts`, `options`) or a file part (`package`) of an upload. */
export type UploadPart = { name: string; json: unknown } | { name: string; file: string };

export interface ServerEvent {
  event: string;
  data: unknown;
}

const queryString = (q: Query = {}): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};

/** A problem+json answer (or anything else that is not a success) as a CliError. */
async function problemError(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as Record<string, unknown>;
    if (typeof p.code === 'string') return new CliError(p.code, typeof p.detail === 'string' ? p.detail : String(p.title ?? res.statusText), 1, p);
  } catch {
    // not JSON: described below
  }
  return new CliError(`http_${res.status}`, `the server answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

export class Api {
  constructor(
    readonly server: string,
    private readonly token?: string,
  ) {}

  static of(session: Session): Api {
    return new Api(session.server, session.token);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /** Any call; network failures become `unreachable`, answers that are not 2xx their problem. */
  async send(method: string, path: string, init: { query?: Query; headers?: Record<string, string>; body?: RequestInit['body']; duplex?: 'half' } = {}): Promise<Response> {
    const url = `${this.server}/api/v1${path}${queryString(init.query)}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers: this.headers(init.headers), ...(init.body !== undefined ? { body: init.body } : {}), ...(init.duplex ? { duplex: init.duplex } : {}) } as RequestInit);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError('unreachable', `can't reach ${this.server}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    if (!res.ok) throw await problemError(res);
    return res;
  }

  async json<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const res = await this.send(method, path, {
      ...(query ? { query } : {}),
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, undefined, query);
  }

  /** Every item of a paged listing (`{items, next}`), following `next` as `cursorParam`. */
  async all<T>(path: string, query: Query, cursorParam: string): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await this.get<{ items: T[]; next: string | null }>(path, { ...query, ...(cursor ? { [cursorParam]: cursor } : {}) });
      out.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return out;
  }

  /** A multipart/form-data POST, told the bytes of the file parts sent so far and their total. */
  async upload<T>(path: string, query: Query, parts: UploadPart[], onBytes?: (sent: number, total: number) => void): Promise<T> {
    const boundary = `assetport-${randomBytes(12).toString('hex')}`;
    const pieces = parts.map((p) => {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${'file' in p ? `; filename="${p.name}.zip"` : ''}\r\nContent-Type: ${'file' in p ? 'application/zip' : 'application/json'}\r\n\r\n`;
      return 'file' in p ? { head, file: p.file, size: statSync(p.file).size } : { head, text: JSON.stringify(p.json) };
    });
    const tail = `--${boundary}--\r\n`;
    const fileBytes = pieces.reduce((n, p) => n + ('size' in p ? p.size! : 0), 0);
    const length = pieces.reduce((n, p) => n + Buffer.byteLength(p.head) + ('size' in p ? p.size! : Buffer.byteLength(p.text!)) + 2, 0) + Buffer.byteLength(tail);
    let sent = 0;
    async function* body(): AsyncGenerator<Buffer> {
      for (const p of pieces) {
        yield Buffer.from(p.head);
        if ('file' in p) {
          for await (const chunk of createReadStream(p.file!)) {
            sent += (chunk as Buffer).length;
            onBytes?.(sent, fileBytes);
            yield chunk as Buffer;
          }
        } else yield Buffer.from(p.text!);
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(tail);
    }
    const res = await this.send('POST', path, {
      query,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length) },
      body: Readable.toWeb(Readable.from(body())) as unknown as RequestInit['body'],
      duplex: 'half',
    });
    return (await res.json()) as T;
  }

  /** Downloads to `file`; checks the SHA-256 the server announces. Removes the file on failure. */
  async download(path: string, file: string, onBytes?: (got: number, total: number) => void): Promise<{ bytes: number; sha256: string }> {
    const res = await this.send('GET', path);
    const total = Number(res.headers.get('content-length') ?? 0);
    const hash = createHash('sha256');
    let got = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        got += chunk.length;
        hash.update(chunk);
        onBytes?.(got, total);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(file, { mode: 0o644 }));
    } catch (e) {
      await rm(file, { force: true });
      throw new CliError('download_failed', `the download was cut off: ${(e as Error).message}`);
    }
    const sha256 = hash.digest('hex');
    const announced = res.headers.get('x-content-sha256');
    if (announced && announced !== sha256) {
      await rm(file, { force: true });
      throw new CliError('download_failed', `the downloaded file does not match the server's SHA-256 (${announced}); it was removed`);
    }
    return { bytes: got, sha256 };
  }

  /** A Server-Sent Events stream, event by event, until the server ends it. */
  async *events(path: string, query?: Query): AsyncGenerator<ServerEvent> {
    const res = await this.send('GET', path, { ...(query ? { query } : {}), headers: { accept: 'text/event-stream' } });
    const queue: ServerEvent[] = [];
    const parser = createParser({
      onEvent: (m: EventSourceMessage) => queue.push({ event: m.event ?? 'message', data: parseData(m.data) }),
    });
    const decoder = new TextDecoder();
    for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      while (queue.length > 0) yield queue.shift()!;
    }
  }
}

function parseData(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
