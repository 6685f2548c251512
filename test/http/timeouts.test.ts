/**
 * Timeouts: a client that trickles its upload far below the configured floor is cut off
 * with a 408 problem (or a closed connection) and nothing of its upload is kept; a request
 * whose headers never finish arriving is answered 408 once the request timeout passes.
 * The floors are set small through the configuration and the clients send far below them,
 * so the outcome does not depend on how busy the machine is.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../helpers/packages.js';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-http.js';

const BOUNDARY = 'trickleboundary';
/** What the trickling client sends at once: a little more than one blob chunk. */
const HEAD_BYTES = 1024 * 1024 + 64;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function blobCounts(s: TestApp): Promise<{ blobs: number; chunks: number }> {
  const b = await s.t.database.db.selectFrom('blobs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const c = await s.t.database.db.selectFrom('blob_chunks').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return { blobs: Number(b.n), chunks: Number(c.n) };
}

describe('an upload trickled below the minimum rate', () => {
  let s: TestApp;
  let space: string;
  let zip: Buffer;
  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_MIN_UPLOAD_BYTES_PER_SECOND: '64KiB', ASSETPORT_UPLOAD_RATE_WINDOW_SECONDS: '1' });
    await request(s.url, 'POST', '/api/v1/orgs', { token: s.adminToken, json: { name: 'acme' } });
    space = (await request(s.url, 'POST', '/api/v1/orgs/acme/instances', { token: s.adminToken, json: { name: 'dev' } })).body.space_id as string;
    // Larger than a blob chunk (1 MiB), so that the part received before the trickle is stored while it trickles.
    zip = await buildPackage('instance', [{ type: 'application', name: 'slow', body: { padding: randomBytes(1536 * 1024).toString('base64') } }]);
  });
  afterAll(() => s?.close());

  /** Sends the start of a package part at once (a little over 1 MiB), then one byte every 250 ms (about 4 bytes/s). */
  async function* trickle(seen: { started: boolean }): AsyncGenerator<Buffer> {
    yield Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="package"; filename="p.zip"\r\ncontent-type: application/zip\r\n\r\n`);
    yield zip.subarray(0, HEAD_BYTES);
    seen.started = true;
    for (let i = HEAD_BYTES; i < zip.length; i++) {
      await sleep(250);
      yield zip.subarray(i, i + 1);
    }
  }

  it.each([
    ['an import', ''],
    ['a dry run (read in place)', '?dry_run=true'],
  ])('%s is cut off with a 408 and nothing of it is kept', async (_what, query) => {
    const seen = { started: false };
    const headers: Array<[string, string]> = [
      ['authorization', `Bearer ${s.adminToken}`],
      ['content-type', `multipart/form-data; boundary=${BOUNDARY}`],
      ['content-length', String(zip.length + 400)],
    ];
    const sending = rawRequest(s.url, { method: 'POST', path: `/api/v1/spaces/${space}/imports${query}`, headers, body: trickle(seen), timeoutMs: 120_000 });
    // While it trickles, the part received is being stored (its first chunk, as a blob, unless read in place).
    if (!query) {
      const until = Date.now() + 30_000;
      while ((await blobCounts(s)).blobs === 0 && Date.now() < until) await sleep(50);
      expect((await blobCounts(s)).blobs).toBe(1);
    }
    const r = await sending;
    expect(seen.started).toBe(true);
    expect(r.timedOut).toBe(false);
    // Far from all of it was sent: the server stopped it.
    expect(r.bodyBytesSent).toBeLessThan(zip.length);
    if (r.status !== undefined) {
      expect(r.status).toBe(408);
      expect(r.headers['content-type']).toContain('application/problem+json');
      const p = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
      expect(p).toMatchObject({ code: 'request_timeout', min_bytes_per_second: 65536, window_seconds: 1 });
      expect(p.detail).toContain('ASSETPORT_MIN_UPLOAD_BYTES_PER_SECOND');
    }
    expect(await blobCounts(s)).toEqual({ blobs: 0, chunks: 0 });
    // No job either, and the service goes on answering.
    expect((await s.t.database.db.selectFrom('jobs').select('id').execute()).length).toBe(0);
    expect((await request(s.url, 'GET', '/healthz')).status).toBe(200);
  }, 150_000);

  it('an upload sent at once is not cut off', async () => {
    const f = new FormData();
    f.append('package', new Blob([zip]), 'p.zip');
    const r = await request(s.url, 'POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { token: s.adminToken, body: f });
    expect(r.status).toBe(200);
  });
});

describe('a request whose headers never end', () => {
  let s: TestApp;
  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_REQUEST_TIMEOUT_SECONDS: '1' });
  });
  afterAll(() => s?.close());

  it('is answered 408 problem+json (or closed) after the request timeout', async () => {
    async function* slowHeaders(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 600; i++) {
        await sleep(200);
        yield Buffer.from(`x-slow-${i}: y\r\n`);
      }
    }
    // The header block is left open: each piece is one more header line.
    const r = await rawRequest(s.url, { method: 'GET', path: '/api/v1/whoami', headersOpen: true, body: slowHeaders(), timeoutMs: 120_000 }).catch(() => undefined);
    expect(r).toBeDefined();
    expect(r!.timedOut).toBe(false);
    if (r!.status !== undefined) {
      expect(r!.status).toBe(408);
      expect(r!.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(r!.body.toString('utf8'))).toMatchObject({ code: 'request_timeout', status: 408 });
    }
  }, 150_000);
});
