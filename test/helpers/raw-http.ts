/**
 * A raw HTTP/1.1 client over a TCP socket, for requests no well-behaved client sends:
 * bodies shorter than their Content-Length, broken framing, huge headers, odd methods,
 * bytes trickled slowly. It answers what came back (if anything) and how the connection ended.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** The status, or undefined when the connection closed without an answer. */
  status?: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The connection was closed (or reset) by the server before the client was done sending. */
  closedEarly: boolean;
  /** Bytes of the request body the client managed to write before the connection ended. */
  bodyBytesSent: number;
  /** No answer and no close within the time given. */
  timedOut: boolean;
  /** Body bytes written when the first byte of the answer arrived (undefined: no answer). */
  bodyBytesSentAtAnswer?: number;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Array<[string, string]>;
  /** The body, or a generator of its pieces (written one after another, each awaited). */
  body?: Buffer | AsyncIterable<Buffer>;
  /** Half-close the connection after the body (e.g. a body shorter than its length). */
  endAfterBody?: boolean;
  /** Leave the header block open: the body pieces are then more header lines. */
  headersOpen?: boolean;
  timeoutMs?: number;
  /** Called when the first byte of the answer arrives. */
  onAnswer?: () => void;
}

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const lines = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status, headers };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < b.length) {
    const eol = b.indexOf('\r\n', at);
    if (eol < 0) break;
    const n = parseInt(b.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(n) || n === 0) break;
    out.push(b.subarray(eol + 2, eol + 2 + n));
    at = eol + 2 + n + 2;
  }
  return Buffer.concat(out);
}

/** Sends one request on its own connection (Connection: close) and collects the answer. */
export function rawRequest(url: string, req: RawRequest): Promise<RawAnswer> {
  const u = new URL(url);
  const timeoutMs = req.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: u.hostname, port: Number(u.port), allowHalfOpen: true });
    const received: Buffer[] = [];
    let closed = false;
    let sendingDone = false;
    let bodyBytesSent = 0;
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(received);
      const sep = all.indexOf('\r\n\r\n');
      if (sep < 0) return resolve({ headers: {}, body: Buffer.alloc(0), closedEarly: !sendingDone, bodyBytesSent, timedOut, bodyBytesSentAtAnswer });
      const { status, headers } = parseHead(all.subarray(0, sep).toString('latin1'));
      let body: Buffer = all.subarray(sep + 4);
      if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
      resolve({ status, headers, body, closedEarly: !sendingDone, bodyBytesSent, timedOut, bodyBytesSentAtAnswer });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    let bodyBytesSentAtAnswer: number | undefined;
    socket.on('data', (d: Buffer) => {
      if (bodyBytesSentAtAnswer === undefined) {
        bodyBytesSentAtAnswer = bodyBytesSent;
        req.onAnswer?.();
      }
      received.push(d);
    });
    socket.on('error', () => {
      closed = true;
      finish(false);
    });
    socket.on('end', () => {
      closed = true;
      finish(false);
    });
    socket.on('close', () => {
      closed = true;
      finish(false);
    });
    const write = (b: Buffer | string) =>
      new Promise<boolean>((ok) => {
        if (closed || socket.destroyed) return ok(false);
        socket.write(b, (err) => ok(!err));
      });
    socket.once('connect', async () => {
      const head = [`${req.method} ${req.path} HTTP/1.1`, `host: ${u.host}`, 'connection: close', ...(req.headers ?? []).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
      if (!(await write(`${head}\r\n${req.headersOpen ? '' : '\r\n'}`))) return;
      if (req.body) {
        const pieces: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(req.body) ? [req.body] : req.body;
        for await (const p of pieces) {
          if (!(await write(p))) return;
          bodyBytesSent += p.length;
        }
      }
      sendingDone = true;
      if (req.endAfterBody && !closed) socket.end();
    });
  });
}
