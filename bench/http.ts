/** The benchmark's HTTP client: JSON calls, streamed package uploads, waiting for jobs. */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';

/** A multipart body streamed from a file. */
function multipartFromFile(path: string): { body: Readable; contentType: string; length: number } {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="package"; filename="package.zip"\r\nContent-Type: application/zip\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* gen() {
    yield head;
    for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024 })) yield c as Buffer;
    yield tail;
  }
  return { body: Readable.from(gen()), contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + statSync(path).size + tail.length };
}

export async function api(base: string, method: string, path: string, token: string, json?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : undefined });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function upload(base: string, token: string, space: string, file: string, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const mp = multipartFromFile(file);
  const r = await fetch(`${base}/api/v1/spaces/${space}/imports${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': mp.contentType, 'content-length': String(mp.length) }, body: mp.body, duplex: 'half' } as RequestInit);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

export async function waitJob(base: string, token: string, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const j = await api(base, 'GET', `/api/v1/jobs/${id}`, token);
    if (j.state === 'SUCCEEDED') return j;
    if (j.state === 'FAILED' || j.state === 'CANCELLED') throw new Error(`job ${id} ${String(j.state)}: ${JSON.stringify(j.reasons)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Milliseconds from the upload's first byte to the job's SUCCEEDED. */
export async function timedImport(base: string, token: string, space: string, file: string, query = ''): Promise<number> {
  const t = performance.now();
  const r = await upload(base, token, space, file, query);
  if (r.status !== 202) throw new Error(`import: ${r.status} ${JSON.stringify(r.body)}`);
  await waitJob(base, token, r.body.job_id as string);
  return performance.now() - t;
}
