/**
 * Every error the SnapLogic door answers, each in SnapLogic's envelope
 * `{"http_status_code": N, "response_map": {"error_list": [{"message"}]}}`; the export size
 * limit; permissions (W on the API, inherited by versions and by versions an import creates;
 * R to export; locked users); and the call ceiling: past it the answer is a 504 in the
 * envelope and the import still completes whole, or rolls back whole, as does an import
 * whose client went away.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';
import { snapshot } from '../helpers/fixtures.js';
import { form } from '../helpers/snaplogic.js';

type J = Record<string, unknown>;
const ADMIN = { user: 'admin', password: 'admin-password-1' };
const IMPORT = '/api/1/rest/public/apim/import_version/acme/apim/books';
const EXPORT = '/api/1/rest/public/apim/export_version/acme/apim/books';

const envelope = (status: number, message: string | RegExp) => ({ http_status_code: status, response_map: { error_list: [{ message: typeof message === 'string' ? message : expect.stringMatching(message) }] } });

async function setUp(s: TestApp): Promise<void> {
  const call = (m: string, p: string, json: unknown) => request(s.url, m, p, { token: s.adminToken, json });
  await call('POST', '/api/v1/orgs', { name: 'acme' });
  await call('POST', '/api/v1/orgs/acme/apis', { name: 'books' });
  const v = (await call('POST', '/api/v1/orgs/acme/apis/books/versions', { name: '1.0' })).body.space_id as string;
  for (let i = 0; i < 5; i++) await call('POST', `/api/v1/spaces/${v}/assets`, { type: 'Pipeline', name: `p${i}`, body: { n: 'x'.repeat(400) } });
}

describe('SnapLogic door errors', () => {
  let s: TestApp;
  const sl = (method: string, path: string, o: { body?: FormData | string; headers?: Record<string, string>; basic?: { user: string; password: string } | null } = {}) =>
    request<J>(s.url, method, path, { ...(o.basic === null ? {} : { basic: o.basic ?? ADMIN }), ...(o.body !== undefined ? { body: o.body } : {}), ...(o.headers ? { headers: o.headers } : {}) });
  let pkg: Buffer;

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_MAX_EXPORT: '1KiB' }, { worker: true });
    await setUp(s);
    pkg = await buildPackage('api_version', [{ type: 'Policy', name: 'p' }]);
  });
  afterAll(() => s?.close());

  it('a request without the file part: 400 with SnapLogic message, whether multipart or no body at all', async () => {
    const missing = envelope(400, 'Expecting body argument for endpoint import_version: file_handle');
    const noFile = await sl('POST', `${IMPORT}/2.0`, { body: form({ file_account: '{"accounts": []}' }) });
    expect([noFile.status, noFile.body]).toEqual([400, missing]);
    const noBody = await sl('POST', `${IMPORT}/2.0`);
    expect([noBody.status, noBody.body]).toEqual([400, missing]);
    const project = await sl('POST', '/api/1/rest/public/project/import/acme/Team/etl');
    expect(project.body).toEqual(envelope(400, 'Expecting body argument for endpoint import: file_handle'));
  });

  it('not multipart, not a ZIP, a bad parameter value: 400 naming it; nothing created', async () => {
    const json = await sl('POST', `${IMPORT}/2.0`, { body: '{}', headers: { 'content-type': 'application/json' } });
    expect([json.status, json.body]).toEqual([400, envelope(400, /multipart\/form-data/)]);
    const notZip = await sl('POST', `${IMPORT}/2.0`, { body: form({ file: 'just text' }) });
    expect([notZip.status, notZip.body]).toEqual([400, envelope(400, /'file' part is not a ZIP/)]);
    const brokenZip = await sl('POST', `${IMPORT}/2.0`, { body: form({ file: Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64)]) }) });
    expect([brokenZip.status, brokenZip.body]).toEqual([400, envelope(400, /can't be read|not valid/)]);
    const badAccounts = await sl('POST', `${IMPORT}/2.0`, { body: form({ file: pkg, file_account: '{nope' }) });
    expect([badAccounts.status, badAccounts.body]).toEqual([400, envelope(400, /'file_account' part is not valid JSON/)]);
    for (const [query, name] of [
      ['duplicate_check=maybe', 'duplicate_check'],
      ['duplicate_check=overwrite&overwrite_types=Pipeline,Bogus', 'overwrite_types'],
      ['dupe_check=true', 'dupe_check'],
    ] as const) {
      const r = await sl('POST', `${IMPORT}/2.0?${query}`, { body: form({ file: pkg }) });
      expect([r.status, r.body], query).toEqual([400, envelope(400, new RegExp(name))]);
    }
    for (const [query, name] of [['force=perhaps', 'force'], ['asset_types=Nope', 'asset_types']] as const) {
      const r = await sl('GET', `${EXPORT}/1.0?${query}`);
      expect([r.status, r.body], query).toEqual([400, envelope(400, new RegExp(name))]);
    }
    expect((await request(s.url, 'GET', '/api/v1/orgs/acme/apis/books/versions/2.0', { token: s.adminToken })).status).toBe(404);
  });

  it('an unknown org, API or version on export: 404 The asset does not exist: <path>', async () => {
    for (const path of ['acme/apim/books/9.9', 'acme/apim/nobooks/1.0', 'nobody/apim/books/1.0']) {
      const r = await sl('GET', `/api/1/rest/public/apim/export_version/${path}`);
      expect([r.status, r.body]).toEqual([404, envelope(404, `The asset does not exist: ${path}`)]);
    }
    const imp = await sl('POST', '/api/1/rest/public/apim/import_version/acme/apim/nobooks/1.0', { body: form({ file: pkg }) });
    expect([imp.status, imp.body]).toEqual([404, envelope(404, 'The asset does not exist: acme/apim/nobooks/1.0')]);
  });

  it('credentials: 401 without or with wrong ones, a Bearer token works, unknown routes and methods answer in the envelope', async () => {
    const none = await sl('GET', `${EXPORT}/1.0`, { basic: null });
    expect([none.status, none.body]).toEqual([401, envelope(401, /needs credentials/)]);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await sl('GET', `${EXPORT}/1.0`, { basic: { user: 'admin', password: 'wrong-password' } });
    expect([wrong.status, wrong.body]).toEqual([401, envelope(401, /wrong/)]);
    const bearer = await request(s.url, 'GET', `${EXPORT}/1.0?force=true`, { token: s.adminToken });
    expect(bearer.status).toBe(200);
    const route = await sl('GET', '/api/1/rest/public/apim/nothing');
    expect([route.status, route.body]).toEqual([404, envelope(404, /no endpoint/)]);
    const method = await sl('DELETE', `${EXPORT}/1.0`);
    expect([method.status, method.body, method.headers.get('allow')]).toEqual([405, envelope(405, /not allowed/), expect.stringContaining('GET')]);
    // Counted per front door, with the door's own codes; every answer names its request.
    expect(method.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const metrics = await request(s.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(/assetport_door_requests_total\{door="snaplogic"\} [1-9]/);
    expect(metrics.text).toMatch(/assetport_http_errors_total\{door="snaplogic",code="missing_file"\} [1-9]/);
    expect(metrics.text).toMatch(/assetport_http_errors_total\{door="snaplogic",code="unauthenticated"\} [1-9]/);
  });

  it('the export size limit: past it 400 unless force=true', async () => {
    const r = await sl('GET', `${EXPORT}/1.0`);
    expect([r.status, r.body]).toEqual([400, envelope(400, /over the export size limit of 1024 bytes .*Add force=true/)]);
    const forced = await fetch(`${s.url}${EXPORT}/1.0?force=True`, { headers: { authorization: `Basic ${Buffer.from('admin:admin-password-1').toString('base64')}` } });
    expect(forced.status).toBe(200);
    expect((await forced.arrayBuffer()).byteLength).toBeGreaterThan(1024);
  });

  it('permissions: W on the API imports (into new versions too), R only exports, others are refused, locked users too', async () => {
    const admin = (m: string, p: string, json: unknown) => request(s.url, m, p, { token: s.adminToken, json });
    for (const [name, perms] of [['writer', 'RW'], ['reader', 'R']]) {
      expect((await admin('POST', '/api/v1/users', { name, password: `${name}-password` })).status).toBe(201);
      expect((await admin('POST', '/api/v1/orgs/acme/apis/books/grants', { user: name, perms })).status).toBe(201);
    }
    const as = (user: string) => ({ user, password: `${user}-password` });
    const created = await sl('POST', `${IMPORT}/3.0`, { body: form({ file: pkg }), basic: as('writer') });
    expect(created.status, created.text).toBe(200);
    const again = await sl('POST', `${IMPORT}/3.0?duplicate_check=overwrite`, { body: form({ file: pkg }), basic: as('writer') });
    expect(again.status, again.text).toBe(200);
    const denied = await sl('POST', `${IMPORT}/3.0?duplicate_check=overwrite`, { body: form({ file: pkg }), basic: as('reader') });
    expect([denied.status, denied.body]).toEqual([403, envelope(403, /write permission/)]);
    const deniedNew = await sl('POST', `${IMPORT}/4.0`, { body: form({ file: pkg }), basic: as('reader') });
    expect([deniedNew.status, deniedNew.body]).toEqual([403, envelope(403, /write permission \(W\) on the API 'books'/)]);
    expect((await sl('GET', `${EXPORT}/3.0`, { basic: as('reader') })).status).toBe(200);
    const project = await sl('GET', '/api/1/rest/public/project/export/acme/Team/etl', { basic: as('writer') });
    expect([project.status, project.body]).toEqual([403, envelope(403, /org admin/)]);
    await s.t.database.db.updateTable('users').set({ locked: true }).where('name', '=', 'writer').execute();
    const locked = await sl('GET', `${EXPORT}/3.0`, { basic: as('writer') });
    expect([locked.status, locked.body]).toEqual([401, envelope(401, /locked/)]);
  });
});

describe('the SnapLogic call ceiling', () => {
  let s: TestApp;
  let big: Buffer;
  const users = ['alice', 'bob', 'carol'];

  beforeAll(async () => {
    // A ceiling of 1 ms: every import outlasts it.
    s = await startTestApp({ ASSETPORT_SNAPLOGIC_TIMEOUT_MS: '1' }, { worker: true });
    await setUp(s);
    for (const u of users) await request(s.url, 'POST', '/api/v1/users', { token: s.adminToken, json: { name: u, password: `${u}-password`, org_roles: [{ org: 'acme', role: 'admin' }] } });
    big = await buildPackage('api_version', Array.from({ length: 1500 }, (_, i) => ({ type: 'Pipeline' as const, name: `big${i}`, body: { i } })));
  }, 120_000);
  afterAll(() => s?.close());

  const jobOf = async (user: string): Promise<string> => {
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      const row = await s.t.database.db.selectFrom('jobs').innerJoin('users', 'users.id', 'jobs.user_id').select('jobs.id').where('users.name', '=', user).executeTakeFirst();
      if (row) return row.id;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no job of ${user}`);
  };
  const versionAssets = async (v: string): Promise<number> => {
    const r = await request(s.url, 'GET', `/api/v1/orgs/acme/apis/books/versions/${v}`, { token: s.adminToken });
    return r.status === 200 ? Object.keys(await snapshot(s.url, s.adminToken, r.body.space_id as string)).length : -1;
  };

  it('past the ceiling: 504 in the envelope naming the job, and the import still completes whole', async () => {
    const r = await request<J>(s.url, 'POST', `${IMPORT}/5.0`, { basic: { user: 'alice', password: 'alice-password' }, body: form({ file: big }) });
    expect([r.status, r.body]).toEqual([504, envelope(504, /did not end within 1 ms\. It runs on as job [0-9a-f]{32} and completes or rolls back whole/)]);
    const job = /job ([0-9a-f]{32})/.exec(JSON.stringify(r.body))![1]!;
    expect((await waitJob(s.url, s.adminToken, job)).state).toBe('SUCCEEDED');
    expect(await versionAssets('5.0')).toBe(1500);
  });

  it('past the ceiling, a refused import rolls back whole: nothing written', async () => {
    const before = await versionAssets('1.0');
    // Refused once the package is read: an account override that matches no account.
    const unmatched = JSON.stringify({ accounts: [{ snode_id: 'a'.repeat(24), name: 'nope', property_map: { settings: { password: { value: 'x' } } } }] });
    const r = await request<J>(s.url, 'POST', `${IMPORT}/1.0?duplicate_check=overwrite`, { basic: { user: 'bob', password: 'bob-password' }, body: form({ file: big, file_account: unmatched }) });
    expect([r.status, r.body]).toEqual([504, envelope(504, /did not end within 1 ms/)]);
    const job = await waitJob(s.url, s.adminToken, await jobOf('bob'));
    expect(job.state).toBe('FAILED');
    expect((job.reasons as J[]).map((x) => x.code)).toEqual(['plan.override_unmatched']);
    expect(await versionAssets('1.0')).toBe(before);
  });

  it('a client that goes away mid-import does not cancel or half-apply it', async () => {
    const f = form({ file: big });
    const req = new Request('http://x/', { method: 'POST', body: f });
    const body = Buffer.from(await req.arrayBuffer());
    const u = new URL(s.url);
    const sock = connect(Number(u.port), u.hostname);
    await new Promise<void>((ok) => sock.once('connect', () => ok()));
    const auth = Buffer.from('carol:carol-password').toString('base64');
    sock.write(`POST ${IMPORT}/6.0 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\nContent-Type: ${req.headers.get('content-type')!}\r\nContent-Length: ${body.length}\r\n\r\n`);
    sock.write(body);
    const job = await jobOf('carol');
    sock.destroy();
    expect((await waitJob(s.url, s.adminToken, job)).state).toBe('SUCCEEDED');
    expect(await versionAssets('6.0')).toBe(1500);
  });
});
