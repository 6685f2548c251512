/**
 * An import into a space the caller can't write, or that does not exist, is refused before
 * its body is read: a 50 MB upload gets its 404/403 while most of it is still unsent, and
 * nothing of it is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-http.js';

const TOTAL = 50 * 1024 * 1024;
const PIECE = 64 * 1024;
const BOUNDARY = 'bigboundary';

describe('an import the caller may not make', () => {
  let s: TestApp;
  let readable = '';
  let hidden = '';
  let memberToken = '';
  beforeAll(async () => {
    s = await startTestApp();
    const call = (m: string, p: string, json: unknown) => request(s.url, m, p, { token: s.adminToken, json });
    await call('POST', '/api/v1/orgs', { name: 'acme' });
    readable = (await call('POST', '/api/v1/orgs/acme/instances', { name: 'shared' })).body.space_id as string;
    hidden = (await call('POST', '/api/v1/orgs/acme/instances', { name: 'private' })).body.space_id as string;
    await call('POST', '/api/v1/users', { name: 'mia', password: 'mia-password' });
    await call('POST', `/api/v1/spaces/${readable}/grants`, { user: 'mia', perms: 'R' });
    memberToken = (await request<{ token: string }>(s.url, 'POST', '/api/v1/tokens', { json: { user: 'mia', password: 'mia-password' } })).body.token;
  });
  afterAll(() => s?.close());

  it.each([
    ['a space that does not exist', () => '0123456789abcdef0123456789abcdef', () => s.adminToken, 404, 'not_found'],
    ['a space the caller can only read', () => readable, () => memberToken, 403, 'forbidden'],
    ['a space the caller can not see', () => hidden, () => memberToken, 404, 'not_found'],
  ])('into %s is refused before the body is read, and nothing is stored', async (_what, space, token, status, code) => {
    let answered = false;
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="package"; filename="big.zip"\r\ncontent-type: application/zip\r\n\r\nPK\x03\x04`);
      const piece = Buffer.alloc(PIECE, 7);
      for (let sent = 0; sent < TOTAL && !answered; sent += PIECE) yield piece;
    }
    const r = await rawRequest(s.url, {
      method: 'POST',
      path: `/api/v1/spaces/${space()}/imports`,
      headers: [
        ['authorization', `Bearer ${token()}`],
        ['content-type', `multipart/form-data; boundary=${BOUNDARY}`],
        ['content-length', String(TOTAL + 200)],
      ],
      body: body(),
      onAnswer: () => (answered = true),
      timeoutMs: 120_000,
    });
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body.toString('utf8'))).toMatchObject({ code, status });
    // The answer came while most of the body was still unsent: the server did not wait for it.
    expect(r.bodyBytesSentAtAnswer).toBeLessThan(TOTAL / 2);
    const blobs = await s.t.database.db.selectFrom('blobs').select('id').execute();
    const chunks = await s.t.database.db.selectFrom('blob_chunks').select('blob_id').execute();
    expect([blobs.length, chunks.length]).toEqual([0, 0]);
    expect((await s.t.database.db.selectFrom('jobs').select('id').execute()).length).toBe(0);
  }, 150_000);
});
