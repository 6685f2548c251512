import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, request, startTestApp, type Res, type TestApp } from '../helpers/app.js';

type J = Record<string, unknown>;
const problem = (r: Res, status: number, code: string) => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code, type: `urn:assetport:problem:${code}` });
  expect(typeof r.body.detail).toBe('string');
  expect(r.body.request_id).toMatch(/^[0-9a-f]{32}$/);
};

describe('native admin API', () => {
  let s: TestApp;
  let call: (method: string, path: string, opts?: Parameters<typeof request>[3]) => Promise<Res>;
  let admin: (method: string, path: string, json?: unknown) => Promise<Res>;
  beforeAll(async () => {
    s = await startTestApp();
    call = (m, p, o) => request(s.url, m, p, o);
    admin = (m, p, json) => request(s.url, m, p, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  });
  afterAll(() => s.close());

  describe('authentication', () => {
    it('issues tokens for a right password only', async () => {
      const ok = await call('POST', '/api/v1/tokens', { json: ADMIN });
      expect(ok.status).toBe(201);
      expect(ok.body.token).toMatch(/^apt_/);
      expect(Date.parse(ok.body.expires_at as string)).toBeGreaterThan(Date.now());
      problem(await call('POST', '/api/v1/tokens', { json: { user: 'admin', password: 'wrong-password' } }), 401, 'invalid_credentials');
      problem(await call('POST', '/api/v1/tokens', { json: { user: 'nobody', password: 'whatever1' } }), 401, 'invalid_credentials');
      problem(await call('POST', '/api/v1/tokens', { json: { user: 'admin' } }), 400, 'invalid_request');
    });

    it('refuses calls without credentials or with wrong ones, and accepts Basic', async () => {
      const none = await call('GET', '/api/v1/orgs');
      problem(none, 401, 'unauthenticated');
      expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
      problem(await call('GET', '/api/v1/orgs', { token: 'apt_not-a-real-token' }), 401, 'invalid_credentials');
      problem(await call('GET', '/api/v1/orgs', { headers: { authorization: 'Digest x' } }), 401, 'unauthenticated');
      problem(await call('GET', '/api/v1/orgs', { basic: { user: 'admin', password: 'nope-nope' } }), 401, 'invalid_credentials');
      const basic = await call('GET', '/api/v1/whoami', { basic: ADMIN });
      expect(basic.status).toBe(200);
      expect(basic.body).toMatchObject({ user: 'admin', admin: true });
    });

    it('never echoes a password in an error', async () => {
      const r = await call('POST', '/api/v1/tokens', { json: { user: 'admin', password: 'Sup3r-S3cret-Value' } });
      expect(r.text).not.toContain('Sup3r-S3cret-Value');
    });
  });

  describe('orgs, instances, APIs, versions, projects', () => {
    let orgId: string;
    it('creates an org and reads it by id and by name', async () => {
      const r = await admin('POST', '/api/v1/orgs', { name: 'acme' });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ name: 'acme' });
      orgId = r.body.id as string;
      expect(orgId).toMatch(/^[0-9a-f]{32}$/);
      expect((await admin('GET', `/api/v1/orgs/${orgId}`)).body).toMatchObject({ id: orgId, name: 'acme' });
      expect((await admin('GET', '/api/v1/orgs/acme')).body).toMatchObject({ id: orgId, name: 'acme' });
      const list = await admin('GET', '/api/v1/orgs');
      expect((list.body.items as J[]).map((o) => o.name)).toContain('acme');
    });

    it('refuses duplicate, invalid and over-long names', async () => {
      problem(await admin('POST', '/api/v1/orgs', { name: 'acme' }), 409, 'conflict');
      problem(await admin('POST', '/api/v1/orgs', { name: '../etc' }), 400, 'invalid_name');
      problem(await admin('POST', '/api/v1/orgs', { name: 'x'.repeat(65) }), 400, 'invalid_name');
      problem(await admin('POST', '/api/v1/orgs', {}), 400, 'invalid_name');
      problem(await admin('POST', '/api/v1/orgs', { name: 42 }), 400, 'invalid_name');
      problem(await admin('GET', '/api/v1/orgs/no-such-org'), 404, 'not_found');
    });

    it('creates an instance, an API with a version, and a project', async () => {
      const inst = await admin('POST', '/api/v1/orgs/acme/instances', { name: 'dev' });
      expect(inst.status).toBe(201);
      expect(inst.body).toMatchObject({ name: 'dev', kind: 'instance' });
      expect(inst.body.id).toBe(inst.body.space_id);
      expect((await admin('GET', '/api/v1/orgs/acme/instances/dev')).body).toMatchObject({ space_id: inst.body.space_id, name: 'dev' });
      problem(await admin('POST', `/api/v1/orgs/${orgId}/instances`, { name: 'dev' }), 409, 'conflict');

      const api = await admin('POST', '/api/v1/orgs/acme/apis', { name: 'Books' });
      expect(api.status).toBe(201);
      problem(await admin('POST', '/api/v1/orgs/acme/apis', { name: 'my shared api' }), 400, 'invalid_name');
      problem(await admin('POST', '/api/v1/orgs/acme/apis', { name: 'a/b' }), 400, 'invalid_name');
      const v = await admin('POST', '/api/v1/orgs/acme/apis/Books/versions', { name: '1.0' });
      expect(v.status).toBe(201);
      expect(v.body).toMatchObject({ name: '1.0', published: false, kind: 'api_version', api: 'Books' });
      expect(v.body.space_id).toMatch(/^[0-9a-f]{32}$/);
      expect((await admin('GET', '/api/v1/orgs/acme/apis/Books/versions/1.0')).body).toMatchObject({ space_id: v.body.space_id });
      const apiView = await admin('GET', '/api/v1/orgs/acme/apis/Books');
      expect((apiView.body.versions as J[]).map((x) => x.name)).toEqual(['1.0']);
      problem(await admin('GET', '/api/v1/orgs/acme/apis/books'), 404, 'not_found'); // case-sensitive
      problem(await admin('POST', '/api/v1/orgs/acme/apis/Nope/versions', { name: '1.0' }), 404, 'not_found');

      const p = await admin('POST', '/api/v1/orgs/acme/projects', { project_space: 'Team', name: 'etl' });
      expect(p.status).toBe(201);
      expect(p.body).toMatchObject({ project_space: 'Team', name: 'etl', kind: 'project' });
      expect((await admin('GET', '/api/v1/orgs/acme/projects/Team/etl')).body).toMatchObject({ space_id: p.body.space_id });
      problem(await admin('GET', '/api/v1/orgs/acme/projects/Team/nope'), 404, 'not_found');
      const spaces = await admin('GET', '/api/v1/spaces?org=acme');
      expect((spaces.body.items as J[]).map((x) => x.kind).sort()).toEqual(['api_version', 'instance', 'project']);
      problem(await admin('GET', '/api/v1/spaces?kind=planet'), 400, 'invalid_request');
    });
  });

  describe('assets', () => {
    let space: string;
    let version: string;
    beforeAll(async () => {
      await admin('POST', '/api/v1/orgs', { name: 'assets-org' });
      space = (await admin('POST', '/api/v1/orgs/assets-org/instances', { name: 'i1' })).body.space_id as string;
      await admin('POST', '/api/v1/orgs/assets-org/apis', { name: 'A' });
      version = (await admin('POST', '/api/v1/orgs/assets-org/apis/A/versions', { name: '1.0' })).body.space_id as string;
    });

    it('creates, reads, updates and deletes an asset, bumping the revision', async () => {
      const c = await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'application', name: 'orders', body: { description: 'v1' } });
      expect(c.status).toBe(201);
      expect(c.body).toMatchObject({ type: 'application', name: 'orders', body: { description: 'v1' }, refs: [], status: 'enabled', revision: 1, space_id: space });
      expect(c.body.id).toMatch(/^[0-9a-f]{24}$/);
      expect(c.body.sha256).toMatch(/^[0-9a-f]{64}$/);
      const id = c.body.id as string;
      const u = await admin('PUT', `/api/v1/spaces/${space}/assets/${id}`, { body: { description: 'v2' }, status: 'disabled' });
      expect(u.status).toBe(200);
      expect(u.body).toMatchObject({ revision: 2, status: 'disabled', body: { description: 'v2' } });
      expect(u.body.sha256).not.toBe(c.body.sha256);
      problem(await admin('PUT', `/api/v1/spaces/${space}/assets/${id}`, { body: {}, revision: 1 }), 409, 'conflict');
      problem(await admin('PUT', `/api/v1/spaces/${space}/assets/${id}`, {}), 400, 'invalid_request');
      problem(await admin('PUT', `/api/v1/spaces/${space}/assets/${id}`, { status: 'sleeping' }), 400, 'invalid_request');
      expect((await admin('GET', `/api/v1/spaces/${space}/assets/${id}`)).body).toMatchObject({ revision: 2 });
      expect((await admin('DELETE', `/api/v1/spaces/${space}/assets/${id}`)).status).toBe(204);
      problem(await admin('GET', `/api/v1/spaces/${space}/assets/${id}`), 404, 'not_found');
      const revs = await s.t.database.db.selectFrom('asset_revisions').select(['revision', 'existed']).where('asset_id', '=', id).orderBy('id').execute();
      expect(revs).toEqual([{ revision: 0, existed: false }, { revision: 1, existed: true }, { revision: 2, existed: true }]);
    });

    it('validates type, name, refs and body', async () => {
      problem(await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'Pipeline', name: 'p' }), 400, 'invalid_request');
      problem(await admin('POST', `/api/v1/spaces/${version}/assets`, { type: 'application', name: 'p' }), 400, 'invalid_request');
      problem(await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'application', name: '-bad' }), 400, 'invalid_name');
      problem(await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'task', name: 't1', refs: [{ type: 'api', name: 'x' }] }), 400, 'invalid_request');
      problem(await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'task', name: 't1', refs: 'datasource' }), 400, 'invalid_request');
      problem(await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'application', name: 'nul', body: { a: 'x\u0000' } }), 400, 'invalid_request');
      problem(await admin('POST', `/api/v1/spaces/${version}/assets`, { type: 'Expression', name: 'lib' }), 400, 'invalid_name');
      const ok = await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'task', name: 't1', refs: [{ type: 'datasource', name: 'db' }] });
      expect(ok.status).toBe(201);
      expect(ok.body.refs).toEqual([{ type: 'datasource', name: 'db' }]);
      problem(await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'task', name: 't1' }), 409, 'conflict');
      const slName = await admin('POST', `/api/v1/spaces/${version}/assets`, { type: 'Pipeline', name: 'Load books (v2) [main]' });
      expect(slName.status).toBe(201);
    });

    it('encrypts secret fields at rest, masks them in responses, and keeps them on a masked round trip', async () => {
      const body = { class_id: 'com.example.db', property_map: { info: { label: { value: 'db' } }, settings: { user: { value: 'app' }, password: { value: 'pl4in-s3cret' }, apiKey: { value: 'k-123', encrypted: true } } } };
      const c = await admin('POST', `/api/v1/spaces/${version}/assets`, { type: 'Account', name: 'db', body });
      expect(c.status).toBe(201);
      expect(c.text).not.toContain('pl4in-s3cret');
      expect(c.text).not.toContain('k-123');
      const settings = (c.body.body as { property_map: { settings: Record<string, J> } }).property_map.settings;
      expect(settings.password).toEqual({ value: '******', encrypted: true });
      expect(settings.apiKey).toEqual({ value: '******', encrypted: true });
      expect(settings.user).toEqual({ value: 'app' });
      const row = await s.t.database.db.selectFrom('assets').select('body').where('id', '=', c.body.id as string).executeTakeFirstOrThrow();
      const stored = JSON.stringify(row.body);
      expect(stored).not.toContain('pl4in-s3cret');
      expect(stored).toContain('$ap1$');
      // GET, change a plain field, PUT back with the masks: the secret survives.
      const got = await admin('GET', `/api/v1/spaces/${version}/assets/${c.body.id as string}`);
      const edited = structuredClone(got.body.body) as { property_map: { settings: Record<string, J> } };
      edited.property_map.settings.user = { value: 'app2' };
      const u = await admin('PUT', `/api/v1/spaces/${version}/assets/${c.body.id as string}`, { body: edited });
      expect(u.status).toBe(200);
      const after = await s.t.database.db.selectFrom('assets').select('body').where('id', '=', c.body.id as string).executeTakeFirstOrThrow();
      const afterSettings = (after.body as { property_map: { settings: Record<string, { value: string }> } }).property_map.settings;
      expect(s.keyring.decrypt(afterSettings.password!.value)).toBe('pl4in-s3cret');
      expect(s.keyring.decrypt(afterSettings.apiKey!.value)).toBe('k-123');
    });

    it('stores file content given as base64 and serves it back', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 255, 10]);
      const c = await admin('POST', `/api/v1/spaces/${version}/assets`, { type: 'File', name: 'data.bin', content_base64: bytes.toString('base64') });
      expect(c.status).toBe(201);
      expect(c.body.size).toBe(6);
      const r = await fetch(`${s.url}/api/v1/spaces/${version}/assets/${c.body.id as string}/content`, { headers: { authorization: `Bearer ${s.adminToken}` } });
      expect(Buffer.from(await r.arrayBuffer())).toEqual(bytes);
      problem(await admin('POST', `/api/v1/spaces/${version}/assets`, { type: 'Pipeline', name: 'x', content_base64: 'AAAA' }), 400, 'invalid_request');
    });

    it('lists by type and paginates with a cursor', async () => {
      for (let i = 0; i < 5; i++) await admin('POST', `/api/v1/spaces/${space}/assets`, { type: 'function', name: `fn${i}` });
      const p1 = await admin('GET', `/api/v1/spaces/${space}/assets?type=function&limit=2`);
      expect((p1.body.items as J[]).map((a) => a.name)).toEqual(['fn0', 'fn1']);
      const p2 = await admin('GET', `/api/v1/spaces/${space}/assets?type=function&limit=2&after=${p1.body.next as string}`);
      expect((p2.body.items as J[]).map((a) => a.name)).toEqual(['fn2', 'fn3']);
      const p3 = await admin('GET', `/api/v1/spaces/${space}/assets?type=function&limit=2&after=${p2.body.next as string}`);
      expect((p3.body.items as J[]).map((a) => a.name)).toEqual(['fn4']);
      expect(p3.body.next).toBeNull();
      problem(await admin('GET', `/api/v1/spaces/${space}/assets?limit=0`), 400, 'invalid_request');
      problem(await admin('GET', `/api/v1/spaces/${space}/assets?after=garbage`), 400, 'invalid_request');
      problem(await admin('GET', `/api/v1/spaces/${'0'.repeat(32)}/assets`), 404, 'not_found');
      problem(await admin('GET', '/api/v1/spaces/not-an-id/assets'), 404, 'not_found');
    });
  });

  describe('users, roles and grants', () => {
    let granted: string;
    let hidden: string;
    let memberToken: string;
    beforeAll(async () => {
      await admin('POST', '/api/v1/orgs', { name: 'team' });
      granted = (await admin('POST', '/api/v1/orgs/team/instances', { name: 'shared' })).body.space_id as string;
      hidden = (await admin('POST', '/api/v1/orgs/team/instances', { name: 'private' })).body.space_id as string;
      await admin('POST', '/api/v1/orgs', { name: 'other' });
      const u = await admin('POST', '/api/v1/users', { name: 'mia', password: 'mia-password' });
      expect(u.status).toBe(201);
      memberToken = (await call('POST', '/api/v1/tokens', { json: { user: 'mia', password: 'mia-password' } })).body.token as string;
    });

    it('a member with no grant sees nothing', async () => {
      expect((await call('GET', '/api/v1/orgs', { token: memberToken })).body.items).toEqual([]);
      problem(await call('GET', '/api/v1/orgs/team', { token: memberToken }), 404, 'not_found');
      problem(await call('GET', `/api/v1/spaces/${granted}/assets`, { token: memberToken }), 404, 'not_found');
      problem(await call('POST', '/api/v1/orgs', { token: memberToken, json: { name: 'mine' } }), 403, 'forbidden');
    });

    it('R reads, RW writes, and other spaces stay invisible', async () => {
      const g = await admin('POST', `/api/v1/spaces/${granted}/grants`, { user: 'mia', perms: 'R' });
      expect(g.status).toBe(201);
      expect((await call('GET', `/api/v1/spaces/${granted}/assets`, { token: memberToken })).status).toBe(200);
      problem(await call('POST', `/api/v1/spaces/${granted}/assets`, { token: memberToken, json: { type: 'application', name: 'a' } }), 403, 'forbidden');
      problem(await call('GET', `/api/v1/spaces/${hidden}/assets`, { token: memberToken }), 404, 'not_found');
      const spaces = await call('GET', '/api/v1/spaces', { token: memberToken });
      expect((spaces.body.items as J[]).map((x) => x.space_id)).toEqual([granted]);
      expect(((await call('GET', '/api/v1/orgs', { token: memberToken })).body.items as J[]).map((o) => o.name)).toEqual(['team']);
      problem(await call('POST', '/api/v1/orgs/team/instances', { token: memberToken, json: { name: 'x' } }), 403, 'forbidden');
      problem(await call('POST', '/api/v1/orgs/other/instances', { token: memberToken, json: { name: 'x' } }), 404, 'not_found');
      await admin('POST', `/api/v1/spaces/${granted}/grants`, { user: 'mia', perms: 'RW' });
      expect((await call('POST', `/api/v1/spaces/${granted}/assets`, { token: memberToken, json: { type: 'application', name: 'a' } })).status).toBe(201);
    });

    it('an org admin manages their org only', async () => {
      const u = await admin('POST', '/api/v1/users', { name: 'olga', password: 'olga-password', org_roles: [{ org: 'team', role: 'admin' }] });
      expect(u.status).toBe(201);
      expect(u.body.org_roles).toMatchObject([{ org: 'team', role: 'admin' }]);
      const tok = (await call('POST', '/api/v1/tokens', { json: { user: 'olga', password: 'olga-password' } })).body.token as string;
      expect((await call('POST', '/api/v1/orgs/team/instances', { token: tok, json: { name: 'olgas' } })).status).toBe(201);
      expect((await call('GET', `/api/v1/spaces/${hidden}/assets`, { token: tok })).status).toBe(200);
      problem(await call('POST', '/api/v1/orgs/other/instances', { token: tok, json: { name: 'x' } }), 404, 'not_found');
      const made = await call('POST', '/api/v1/users', { token: tok, json: { name: 'newbie', password: 'newbie-pass', org_roles: { team: 'member' } } });
      expect(made.status).toBe(201);
      problem(await call('POST', '/api/v1/users', { token: tok, json: { name: 'rogue', password: 'rogue-pass', org_roles: { other: 'admin' } } }), 404, 'not_found');
      problem(await call('POST', '/api/v1/users', { token: tok, json: { name: 'rogue', password: 'rogue-pass' } }), 403, 'forbidden');
    });

    it('validates users and grants', async () => {
      problem(await admin('POST', '/api/v1/users', { name: 'mia', password: 'another-pass' }), 409, 'conflict');
      problem(await admin('POST', '/api/v1/users', { name: 'shorty', password: 'short' }), 400, 'invalid_request');
      problem(await admin('POST', '/api/v1/users', { name: 'bad name!', password: 'long-enough' }), 400, 'invalid_name');
      problem(await admin('POST', `/api/v1/spaces/${granted}/grants`, { user: 'mia', perms: 'W' }), 400, 'invalid_request');
      problem(await admin('POST', `/api/v1/spaces/${granted}/grants`, { user: 'ghost', perms: 'R' }), 404, 'not_found');
    });
  });

  describe('bad requests', () => {
    it('unknown routes are 404, wrong methods 405 with Allow', async () => {
      problem(await admin('GET', '/api/v1/nothing-here'), 404, 'route_not_found');
      problem(await call('GET', '/totally/elsewhere'), 404, 'route_not_found');
      const r = await admin('DELETE', '/api/v1/orgs');
      problem(r, 405, 'method_not_allowed');
      expect(r.headers.get('allow')).toContain('POST');
      // The method is checked before the caller: the same 405 without credentials.
      const anonymous = await call('DELETE', '/api/v1/orgs');
      problem(anonymous, 405, 'method_not_allowed');
      expect(anonymous.headers.get('allow')).toBe(r.headers.get('allow'));
    });

    it('malformed JSON is 400, a wrong content type 415, a body over the limit 413', async () => {
      problem(await call('POST', '/api/v1/orgs', { token: s.adminToken, body: '{"name": ', headers: { 'content-type': 'application/json' } }), 400, 'malformed_json');
      problem(await call('POST', '/api/v1/orgs', { token: s.adminToken, body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
      problem(await call('POST', '/api/v1/orgs', { token: s.adminToken, json: ['a'] }), 400, 'invalid_request');
      problem(await call('POST', '/api/v1/orgs', { token: s.adminToken }), 400, 'invalid_request');
      const big = { name: 'x', pad: 'y'.repeat(s.config.limits.jsonBodyBytes + 10) };
      problem(await call('POST', '/api/v1/orgs', { token: s.adminToken, json: big }), 413, 'payload_too_large');
    });

    it('NUL characters and broken Unicode are clear 4xx answers, never 500', async () => {
      problem(await admin('GET', '/api/v1/orgs/a%00b'), 404, 'not_found');
      problem(await admin('GET', '/api/v1/spaces?org=%00'), 400, 'invalid_request');
      problem(await call('POST', '/api/v1/tokens', { json: { user: 'ad\u0000min', password: 'x' } }), 400, 'invalid_request');
      problem(await call('POST', '/api/v1/orgs', { token: s.adminToken, body: '{"name":"\\ud800x"}', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
      const cursor = Buffer.from(JSON.stringify(['application', 'a\u0000'])).toString('base64url');
      const sp = (await admin('GET', '/api/v1/spaces')).body.items as J[];
      problem(await admin('GET', `/api/v1/spaces/${sp[0]!.space_id as string}/assets?after=${cursor}`), 400, 'invalid_request');
    });

    it('a __proto__ key in a body changes no prototype', async () => {
      const r = await call('POST', '/api/v1/orgs', { token: s.adminToken, body: '{"name":"proto-org","__proto__":{"isAdmin":true}}', headers: { 'content-type': 'application/json' } });
      expect([201, 400]).toContain(r.status);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });
  });

  it('serves health, readiness and metrics', async () => {
    expect((await call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    const m = await call('GET', '/metrics');
    expect(m.text).toContain('assetport_http_requests_total{method="GET",route="/healthz",status="200"}');
    expect(m.text).toContain('assetport_http_request_duration_seconds_bucket');
  });
});
