/**
 * Limits, over HTTP against a started server, in every front door's own error format with
 * Retry-After: failed logins per client address and per user on every auth scheme (Basic,
 * Bearer, password login, X-Auth-Token, IAM password tokens, AK/SK signatures), uploads per
 * user per minute, and open event streams per user. Client addresses come from
 * X-Forwarded-For (ASSETPORT_TRUST_PROXY=true), so each case has addresses of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, request, startTestApp, type Res, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';
import { sdkSign } from '../helpers/sdk-sign.js';

type J = Record<string, unknown>;
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function tooMany(r: Res, door: 'native' | 'roma' | 'snaplogic' | 'iam'): void {
  expect(r.status, r.text).toBe(429);
  const wait = Number(r.headers.get('retry-after'));
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(600);
  const b = r.body as J;
  if (door === 'native') expect([r.headers.get('content-type'), b.code, b.status, b.retry_after_seconds]).toEqual(['application/problem+json; charset=utf-8', 'too_many_requests', 429, wait]);
  if (door === 'roma') expect([b.error_code, typeof b.error_details, typeof b.request_id]).toEqual(['ROMA.00000429', 'string', 'string']);
  if (door === 'snaplogic') expect([b.http_status_code, Array.isArray((b.response_map as J).error_list)]).toEqual([429, true]);
  if (door === 'iam') expect((b.error as J).code).toBe(429);
}

describe('limits', () => {
  let s: TestApp;
  let org: string;
  let instance: string;
  let pkg: Buffer;
  const DAN = { user: 'dan', password: 'dan-password-1' };
  const from = (address: string, headers: Record<string, string> = {}) => ({ ...headers, 'x-forwarded-for': address });
  /** A ROMA route that answers 404 to a caller who gets past authentication. */
  const romaJob = () => `/v2/${org}/instances/${instance}/assets/jobs/${'0'.repeat(32)}`;
  const admin = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });

  beforeAll(async () => {
    s = await startTestApp({
      ASSETPORT_TRUST_PROXY: 'true',
      // Every password is verified (none remembered), so each attempt meets the limits.
      ASSETPORT_PASSWORD_CACHE_SECONDS: '0',
      ASSETPORT_LOGIN_FAILURES_PER_ADDRESS: '3',
      ASSETPORT_LOGIN_FAILURES_PER_USER: '6',
      ASSETPORT_LOGIN_FAILURE_WINDOW_SECONDS: '600',
      ASSETPORT_UPLOADS_PER_MINUTE: '2',
      ASSETPORT_MAX_EVENT_STREAMS_PER_USER: '1',
    });
    org = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
    instance = (await admin('POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body.space_id as string;
    expect((await admin('POST', '/api/v1/users', { name: DAN.user, password: DAN.password })).status).toBe(201);
    pkg = await buildPackage('instance', [{ type: 'application', name: 'app1' }]);
  });
  afterAll(() => s.close());

  it('native Basic: an address past its limit is refused (429 problem+json) even with the right password; another address is not', async () => {
    for (let i = 0; i < 3; i++) expect((await request(s.url, 'GET', '/api/v1/whoami', { headers: from('192.0.2.1', { authorization: basic(DAN.user, 'wrong') }) })).status).toBe(401);
    tooMany(await request(s.url, 'GET', '/api/v1/whoami', { headers: from('192.0.2.1', { authorization: basic(DAN.user, DAN.password) }) }), 'native');
    tooMany(await request(s.url, 'POST', '/api/v1/tokens', { json: DAN, headers: from('192.0.2.1') }), 'native');
    const other = await request(s.url, 'GET', '/api/v1/whoami', { headers: from('192.0.2.2', { authorization: basic(DAN.user, DAN.password) }) });
    expect(other.status, other.text).toBe(200);
  });

  it('a user past the per-user limit is refused from any address for passwords, while a token issued before keeps working', async () => {
    const tok = (await request<{ token: string }>(s.url, 'POST', '/api/v1/tokens', { json: DAN, headers: from('198.51.100.50') })).body.token;
    // dan has 3 failures; 3 more from fresh addresses reach the per-user limit of 6 (SnapLogic Basic and password tokens count too).
    expect((await request(s.url, 'POST', '/api/v1/tokens', { json: { ...DAN, password: 'wrong' }, headers: from('198.51.100.1') })).status).toBe(401);
    expect((await request(s.url, 'GET', `/api/1/rest/public/project/export/acme/x/y`, { headers: from('198.51.100.2', { authorization: basic(DAN.user, 'wrong') }) })).status).toBe(401);
    expect((await request(s.url, 'GET', '/api/v1/whoami', { headers: from('198.51.100.3', { authorization: basic(DAN.user, 'wrong') }) })).status).toBe(401);
    tooMany(await request(s.url, 'GET', '/api/v1/whoami', { headers: from('198.51.100.4', { authorization: basic(DAN.user, DAN.password) }) }), 'native');
    tooMany(await request(s.url, 'GET', `/api/1/rest/public/project/export/acme/x/y`, { headers: from('198.51.100.5', { authorization: basic(DAN.user, DAN.password) }) }), 'snaplogic');
    tooMany(await request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name: DAN.user, password: DAN.password } } }, scope: { project: { id: org } } } }, headers: from('198.51.100.6') }), 'iam');
    const r = await request(s.url, 'GET', '/api/v1/whoami', { token: tok, headers: from('198.51.100.7') });
    expect(r.status, r.text).toBe(200);
    expect((r.body as J).user).toBe('dan');
  });

  it('unknown Bearer and X-Auth-Token tokens: 401 up to the limit, then 429; a valid token from that address still works', async () => {
    const a = '203.0.113.1';
    for (let i = 0; i < 2; i++) expect((await request(s.url, 'GET', '/api/v1/whoami', { headers: from(a, { authorization: 'Bearer nonsense' }) })).status).toBe(401);
    expect((await request(s.url, 'GET', romaJob(), { headers: from(a, { 'x-auth-token': 'nonsense' }) })).status).toBe(401);
    tooMany(await request(s.url, 'GET', romaJob(), { headers: from(a, { 'x-auth-token': 'nonsense' }) }), 'roma');
    tooMany(await request(s.url, 'GET', '/api/v1/whoami', { headers: from(a, { authorization: 'Bearer nonsense' }) }), 'native');
    tooMany(await request(s.url, 'GET', '/api/1/rest/public/project/export/acme/x/y', { headers: from(a, { authorization: 'Bearer nonsense' }) }), 'snaplogic');
    expect((await request(s.url, 'GET', '/api/v1/whoami', { token: s.adminToken, headers: from(a) })).status).toBe(200);
  });

  it('AK/SK: bad signatures are counted per address and per access key; a good signature is still accepted', async () => {
    const k = (await admin('POST', '/api/v1/users/admin/access-keys', {})).body as { access: string; secret: string };
    const call = (address: string, secret: string) => {
      const url = new URL(`${s.url}${romaJob()}`);
      return request(s.url, 'GET', romaJob(), { headers: from(address, sdkSign(k.access, secret, 'GET', url, Buffer.alloc(0))) });
    };
    for (let i = 0; i < 3; i++) expect((await call('203.0.113.20', 'wrong-secret')).status).toBe(401);
    tooMany(await call('203.0.113.20', 'wrong-secret'), 'roma');
    expect((await call('203.0.113.20', k.secret)).status).toBe(404);
    // Per access key (limit 6): 4 failures so far; 2 more from other addresses, then the next is refused.
    expect((await call('203.0.113.21', 'wrong-secret')).status).toBe(401);
    expect((await call('203.0.113.22', 'wrong-secret')).status).toBe(401);
    tooMany(await call('203.0.113.23', 'wrong-secret'), 'roma');
  });

  it('uploads: past the per-user limit per minute, 429 in the door of the upload, before the body is stored', async () => {
    const a = '203.0.113.40';
    const native = () => request(s.url, 'POST', `/api/v1/spaces/${instance}/imports?dry_run=true`, { token: s.adminToken, headers: from(a), body: multipart({ package: pkg }) });
    expect((await native()).status).toBe(200);
    expect((await native()).status).toBe(200);
    tooMany(await native(), 'native');
    tooMany(await request(s.url, 'POST', `/v2/${org}/instances/${instance}/assets/import`, { token: s.adminToken, headers: from(a, { 'x-auth-token': s.adminToken }), body: multipart({ file: pkg }) }), 'roma');
    const blobs = await s.t.database.db.selectFrom('blobs').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(blobs.n)).toBe(0);
  });

  it('event streams: past the per-user cap, 429; closing one frees its slot', async () => {
    const job = (await admin('POST', `/api/v1/spaces/${instance}/exports`, {})).body as { job_id: string };
    expect(job.job_id).toBeTruthy();
    const path = `/api/v1/jobs/${job.job_id}/events`;
    const first = new AbortController();
    const open = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.adminToken}` }, signal: first.signal });
    expect(open.status).toBe(200);
    tooMany(await request(s.url, 'GET', path, { token: s.adminToken }), 'native');
    first.abort();
    // The slot is given back once the server notices the close (on its next tick): wait for that, not a fixed time.
    let status = 429;
    for (let i = 0; i < 200 && status === 429; i++) {
      const c = new AbortController();
      const r = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.adminToken}` }, signal: c.signal });
      status = r.status;
      c.abort();
      if (status === 429) await new Promise((ok) => setTimeout(ok, 100));
    }
    expect(status).toBe(200);
  });
});
