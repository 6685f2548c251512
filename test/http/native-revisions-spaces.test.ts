/**
 * An asset's revisions through the native API (newest first, secrets masked, paged, kept
 * after the asset is deleted), and deleting an empty space (org admins; never one with
 * assets or with a job queued or running on it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type Res, type TestApp } from '../helpers/app.js';

type J = Record<string, unknown>;
const problem = (r: Res, status: number, code: string) => {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code });
};
const MASK = { value: '******', encrypted: true };
const account = (password: string) => ({ property_map: { settings: { user: { value: 'app' }, password: { value: password } } } });

describe('native revisions and space deletion', () => {
  let s: TestApp;
  const tok: Record<string, string> = {};
  let version = '';
  let dev = '';
  const as = (user: string, method: string, path: string, json?: unknown) => request(s.url, method, path, { token: tok[user]!, ...(json !== undefined ? { json } : {}) });

  beforeAll(async () => {
    s = await startTestApp();
    tok.admin = s.adminToken;
    await as('admin', 'POST', '/api/v1/orgs', { name: 'acme' });
    await as('admin', 'POST', '/api/v1/orgs', { name: 'globex' });
    await as('admin', 'POST', '/api/v1/orgs/acme/apis', { name: 'Books' });
    version = (await as('admin', 'POST', '/api/v1/orgs/acme/apis/Books/versions', { name: '1.0' })).body.space_id as string;
    dev = (await as('admin', 'POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body.space_id as string;
    const users: Array<[string, unknown[]]> = [
      ['alice', [{ org: 'acme', role: 'member' }]],
      ['carol', [{ org: 'acme', role: 'admin' }]],
      ['bob', [{ org: 'globex', role: 'admin' }]],
    ];
    for (const [name, roles] of users) {
      await as('admin', 'POST', '/api/v1/users', { name, password: `${name}-password`, org_roles: roles });
      tok[name] = (await request(s.url, 'POST', '/api/v1/tokens', { json: { user: name, password: `${name}-password` } })).body.token as string;
    }
    await as('admin', 'POST', `/api/v1/spaces/${dev}/grants`, { user: 'alice', perms: 'RW' });
  });
  afterAll(() => s.close());

  describe('revisions', () => {
    let assetId = '';
    const revisionsOf = async (user: string, query = '') => {
      const r = await as(user, 'GET', `/api/v1/spaces/${version}/assets/${assetId}/revisions${query}`);
      expect(r.status, r.text).toBe(200);
      return r;
    };

    beforeAll(async () => {
      const created = await as('admin', 'POST', `/api/v1/spaces/${version}/assets`, { type: 'Account', name: 'db', body: account('S3cret-One') });
      expect(created.status, created.text).toBe(201);
      assetId = created.body.id as string;
      expect((await as('admin', 'PUT', `/api/v1/spaces/${version}/assets/${assetId}`, { body: account('S3cret-Two') })).status).toBe(200);
      expect((await as('carol', 'PUT', `/api/v1/spaces/${version}/assets/${assetId}`, { status: 'disabled' })).status).toBe(200);
    });

    it('lists the current state, then each earlier one, newest first, with secrets masked', async () => {
      const r = await revisionsOf('admin');
      expect(r.body).toMatchObject({ asset_id: assetId, space_id: version, deleted: false, next: null });
      const items = r.body.items as J[];
      expect(items.map((i) => [i.revision, i.current, i.status])).toEqual([
        [3, true, 'disabled'],
        [2, false, 'enabled'],
        [1, false, 'enabled'],
      ]);
      expect(items[0]).toMatchObject({ type: 'Account', name: 'db', replaced_at: null, replaced_by: null, replaced_by_job: null });
      expect(items[1]).toMatchObject({ replaced_by: 'carol', replaced_by_job: null });
      expect(items[2]).toMatchObject({ replaced_by: 'admin', replaced_by_job: null });
      expect(Date.parse(items[1]!.replaced_at as string)).toBeGreaterThanOrEqual(Date.parse(items[2]!.replaced_at as string));
      for (const i of items) {
        expect(i.body).toEqual({ property_map: { settings: { user: { value: 'app' }, password: MASK } } });
        expect(i.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
      // The two states that differ in their secret have different checksums; none shows it.
      expect(items[1]!.sha256).toBe(items[0]!.sha256);
      expect(items[2]!.sha256).not.toBe(items[1]!.sha256);
      expect(r.text).not.toMatch(/S3cret|\$ap1\$/);
      // The current one is what the asset itself reads as.
      const now = await as('admin', 'GET', `/api/v1/spaces/${version}/assets/${assetId}`);
      expect(items[0]!.body).toEqual(now.body.body);
    });

    it('pages with a cursor', async () => {
      const seen: number[] = [];
      let query = '?limit=1';
      for (let n = 0; n < 5; n++) {
        const r = await revisionsOf('admin', query);
        seen.push(...(r.body.items as J[]).map((i) => i.revision as number));
        if (r.body.next === null) break;
        query = `?limit=1&cursor=${r.body.next as string}`;
      }
      expect(seen).toEqual([3, 2, 1]);
      const two = await revisionsOf('admin', '?limit=2');
      expect((two.body.items as J[]).map((i) => i.revision)).toEqual([3, 2]);
      const rest = await revisionsOf('admin', `?cursor=${two.body.next as string}`);
      expect((rest.body.items as J[]).map((i) => i.revision)).toEqual([1]);
      expect(rest.body.next).toBeNull();
    });

    it('refuses bad pages, and hides what the caller may not see', async () => {
      problem(await as('admin', 'GET', `/api/v1/spaces/${version}/assets/${assetId}/revisions?cursor=zzz`), 400, 'invalid_request');
      problem(await as('admin', 'GET', `/api/v1/spaces/${version}/assets/${assetId}/revisions?limit=501`), 400, 'invalid_request');
      problem(await as('admin', 'GET', `/api/v1/spaces/${version}/assets/${assetId}/revisions?after=x`), 400, 'invalid_request');
      problem(await as('alice', 'GET', `/api/v1/spaces/${version}/assets/${assetId}/revisions`), 404, 'not_found');
      problem(await as('bob', 'GET', `/api/v1/spaces/${version}/assets/${assetId}/revisions`), 404, 'not_found');
      // The asset, under another space the caller can read: not there.
      problem(await as('admin', 'GET', `/api/v1/spaces/${dev}/assets/${assetId}/revisions`), 404, 'not_found');
      problem(await as('admin', 'GET', `/api/v1/spaces/${version}/assets/ffffffffffffffffffffffff/revisions`), 404, 'not_found');
      problem(await as('admin', 'GET', `/api/v1/spaces/${version}/assets/nonsense/revisions`), 404, 'not_found');
    });

    it('keeps the revisions of a deleted asset', async () => {
      expect((await as('admin', 'DELETE', `/api/v1/spaces/${version}/assets/${assetId}`)).status).toBe(204);
      const r = await revisionsOf('carol');
      expect(r.body.deleted).toBe(true);
      const items = r.body.items as J[];
      expect(items.map((i) => [i.revision, i.current])).toEqual([
        [3, false],
        [2, false],
        [1, false],
      ]);
      expect(items[0]).toMatchObject({ status: 'disabled', replaced_by: 'admin' });
      expect(r.text).not.toMatch(/S3cret|\$ap1\$/);
    });
  });

  describe('deleting a space', () => {
    it('deletes an empty instance for an org admin', async () => {
      const tmp = (await as('admin', 'POST', '/api/v1/orgs/acme/instances', { name: 'tmp' })).body.space_id as string;
      await as('admin', 'POST', `/api/v1/spaces/${tmp}/grants`, { user: 'alice', perms: 'RW' });
      problem(await as('alice', 'DELETE', `/api/v1/spaces/${tmp}`), 403, 'forbidden');
      problem(await as('bob', 'DELETE', `/api/v1/spaces/${tmp}`), 404, 'not_found');
      const r = await as('carol', 'DELETE', `/api/v1/spaces/${tmp}`);
      expect(r.status, r.text).toBe(204);
      problem(await as('admin', 'GET', '/api/v1/orgs/acme/instances/tmp'), 404, 'not_found');
      expect(((await as('admin', 'GET', '/api/v1/spaces')).body.items as J[]).map((x) => x.space_id)).not.toContain(tmp);
      problem(await as('carol', 'DELETE', `/api/v1/spaces/${tmp}`), 404, 'not_found');
      const audit = await s.t.database.db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'space.delete').execute();
      expect(audit).toEqual([{ actor: 'carol', details: { kind: 'instance', name: 'tmp' } }]);
      // The name is free again.
      expect((await as('carol', 'POST', '/api/v1/orgs/acme/instances', { name: 'tmp' })).status).toBe(201);
    });

    it('refuses a space that holds assets', async () => {
      expect((await as('alice', 'POST', `/api/v1/spaces/${dev}/assets`, { type: 'application', name: 'app1' })).status).toBe(201);
      const r = await as('carol', 'DELETE', `/api/v1/spaces/${dev}`);
      problem(r, 409, 'space_not_empty');
      expect(r.body.assets).toBe(1);
      expect((await as('admin', 'GET', `/api/v1/spaces/${dev}/assets`)).status).toBe(200);
    });

    it('deletes an empty API version and keeps the API', async () => {
      const v2 = (await as('admin', 'POST', '/api/v1/orgs/acme/apis/Books/versions', { name: '2.0' })).body.space_id as string;
      expect((await as('admin', 'DELETE', `/api/v1/spaces/${v2}`)).status).toBe(204);
      const api = await as('admin', 'GET', '/api/v1/orgs/acme/apis/Books');
      expect((api.body.versions as J[]).map((v) => v.name)).toEqual(['1.0']);
    });

    it('refuses a space with a job queued on it, and keeps a finished job of a deleted space for its org', async () => {
      const gone = (await as('carol', 'POST', '/api/v1/orgs/acme/instances', { name: 'gone' })).body.space_id as string;
      // No worker runs in this file: the export stays queued.
      const queued = (await as('carol', 'POST', `/api/v1/spaces/${gone}/exports`, {})).body.job_id as string;
      const refused = await as('carol', 'DELETE', `/api/v1/spaces/${gone}`);
      problem(refused, 409, 'conflict');
      expect(refused.body.job_id).toBe(queued);
      expect((await as('carol', 'POST', `/api/v1/jobs/${queued}/cancel`)).status).toBe(200);
      expect((await as('carol', 'DELETE', `/api/v1/spaces/${gone}`)).status).toBe(204);
      const j = await as('admin', 'GET', `/api/v1/jobs/${queued}`);
      expect(j.body).toMatchObject({ state: 'CANCELLED', space_id: null });
      expect(((await as('carol', 'GET', '/api/v1/jobs')).body.items as J[]).map((x) => x.id)).toContain(queued);
      expect(((await as('alice', 'GET', '/api/v1/jobs')).body.items as J[]).map((x) => x.id)).not.toContain(queued);
      problem(await as('alice', 'GET', `/api/v1/jobs/${queued}`), 404, 'not_found');
    });

    it('answers an unknown space or a bad request with a problem', async () => {
      problem(await as('admin', 'DELETE', '/api/v1/spaces/ffffffffffffffffffffffffffffffff'), 404, 'not_found');
      problem(await as('admin', 'DELETE', '/api/v1/spaces/nonsense'), 404, 'not_found');
      problem(await as('admin', 'DELETE', `/api/v1/spaces/${dev}?force=true`), 400, 'invalid_request');
      problem(await request(s.url, 'DELETE', `/api/v1/spaces/${dev}`), 401, 'unauthenticated');
    });
  });
});
