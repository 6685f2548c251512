/**
 * Members on the ROMA routes, with the grants the native API gives
 * (`POST /api/v1/spaces/{instance}/grants`): write (RW) imports and deletes; read (R)
 * exports and downloads but is refused import and delete with ROMA.1006 (an import before
 * its upload is read); without a grant on the instance — a member of the org, a member
 * granted another instance only, or a user of another org — the instance is not found
 * (ROMA.00000404), whatever the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from '../helpers/app.js';

type J = Record<string, unknown>;
const PASSWORD = 'member-password-1';

describe('ROMA routes and member permissions', () => {
  let s: TestApp;
  let org: string;
  let inst: string;
  let other: string;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  let zip: Buffer;
  const admin = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const assets = () => `/v2/${org}/instances/${inst}/assets`;

  /** A ROMA call as `who` (a project token from /v3/auth/tokens, or a native token). */
  async function roma(who: string, method: string, path: string, opts: { json?: unknown; file?: Buffer } = {}) {
    const headers: Record<string, string> = { 'x-auth-token': tokens[who]! };
    let body: string | FormData | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.file) {
      body = new FormData();
      body.append('ImportAssetRequestBody', new Blob([opts.file], { type: 'application/zip' }), 'dev_assets.zip');
    }
    const r = await fetch(`${s.url}${path}`, { method, headers, body });
    const bytes = Buffer.from(await r.arrayBuffer());
    const parsed = r.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(bytes.toString('utf8')) as J) : {};
    return { status: r.status, body: parsed, bytes };
  }

  async function waitJob(who: string, id: string): Promise<J> {
    for (;;) {
      const r = await roma(who, 'GET', `${assets()}/jobs/${id}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      if (r.body.status !== 'RUNNING') return r.body;
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }

  const expectError = (r: { status: number; body: J }, status: number, code: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body).toMatchObject({ error_code: code, error_msg: expect.any(String), error_details: expect.any(String), request_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  };
  const names = async () => ((await admin('GET', `/api/v1/spaces/${inst}/assets?limit=100`)).body.items as J[]).map((a) => a.name as string).sort();
  const blobCount = async () => (await s.t.database.db.selectFrom('blobs').select('id').execute()).length;

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    org = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
    inst = (await admin('POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body.space_id as string;
    other = (await admin('POST', '/api/v1/orgs/acme/instances', { name: 'other' })).body.space_id as string;
    await admin('POST', '/api/v1/orgs', { name: 'elsewhere' });
    for (const [type, name, refs] of [
      ['application', 'app1', []],
      ['datasource', 'ds1', [{ type: 'application', name: 'app1' }]],
      ['application', 'app2', []],
    ] as const) {
      ids[name] = (await admin('POST', `/api/v1/spaces/${inst}/assets`, { type, name, refs, body: { about: name } })).body.id as string;
    }
    const users: Array<[string, string, string?]> = [['writer', 'acme', 'RW'], ['reader', 'acme', 'R'], ['member', 'acme'], ['neighbour', 'acme'], ['outsider', 'elsewhere']];
    for (const [name, o, perms] of users) {
      const u = await admin('POST', '/api/v1/users', { name, password: PASSWORD, org_roles: [{ org: o, role: 'member' }] });
      expect(u.status, u.text).toBe(201);
      if (perms) expect((await admin('POST', `/api/v1/spaces/${inst}/grants`, { user: name, perms })).status).toBe(201);
    }
    expect((await admin('POST', `/api/v1/spaces/${other}/grants`, { user: 'neighbour', perms: 'RWX' })).status).toBe(201);
    for (const [name, o] of users) {
      const scope = o === 'acme' ? { project: { id: org } } : undefined;
      if (scope) {
        const t = await request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name, password: PASSWORD } } }, scope } } });
        expect(t.status, t.text).toBe(201);
        tokens[name] = t.headers.get('x-subject-token')!;
      } else {
        // A user of another org gets no token for this project: a native token, valid for any.
        tokens[name] = (await request<{ token: string }>(s.url, 'POST', '/api/v1/tokens', { json: { user: name, password: PASSWORD } })).body.token;
      }
    }
    // The package the members import: app2, exported by the admin.
    tokens.admin = s.adminToken;
    const exp = await roma('admin', 'POST', `${assets()}/export`, { json: { apps: [{ id: ids.app2 }] } });
    const job = await waitJob('admin', exp.body.job_id as string);
    zip = (await roma('admin', 'GET', `${assets()}/archives/${job.archive_id as string}`)).bytes;
  });
  afterAll(() => s.close());

  it('a member with write (RW) on the instance exports, imports and deletes', async () => {
    const exp = await roma('writer', 'POST', `${assets()}/export`, { json: { apps: [{ id: ids.app1 }] } });
    expect(exp.status, JSON.stringify(exp.body)).toBe(200);
    expect(await waitJob('writer', exp.body.job_id as string)).toMatchObject({ status: 'SUCCEEDED' });
    const del = await roma('writer', 'POST', `${assets()}/delete`, { json: { apps: [{ id: ids.app2 }], tasks: [] } });
    expect(del.status, JSON.stringify(del.body)).toBe(200);
    expect(await waitJob('writer', del.body.job_id as string)).toMatchObject({ type: 'deleteAsset', status: 'SUCCEEDED' });
    expect(await names()).toEqual(['app1', 'ds1']);
    const imp = await roma('writer', 'POST', `${assets()}/import`, { file: zip });
    expect(imp.status, JSON.stringify(imp.body)).toBe(200);
    expect(await waitJob('writer', imp.body.job_id as string)).toMatchObject({ type: 'importAsset', status: 'SUCCEEDED' });
    expect(await names()).toEqual(['app1', 'app2', 'ds1']);
  });

  it('a member with read (R) exports and downloads, and is refused import and delete with ROMA.1006', async () => {
    const exp = await roma('reader', 'POST', `${assets()}/export`, { json: { apps: [{ id: ids.app1 }] } });
    expect(exp.status, JSON.stringify(exp.body)).toBe(200);
    const job = await waitJob('reader', exp.body.job_id as string);
    expect(job).toMatchObject({ type: 'exportAsset', status: 'SUCCEEDED' });
    expect((await roma('reader', 'GET', `${assets()}/archives/${job.archive_id as string}`)).status).toBe(200);

    const before = await names();
    const blobs = await blobCount();
    expectError(await roma('reader', 'POST', `${assets()}/import`, { file: zip }), 403, 'ROMA.1006');
    // Refused before the upload is read: a body that is no ZIP is not looked at.
    expectError(await roma('reader', 'POST', `${assets()}/import`, { file: Buffer.from('not a zip') }), 403, 'ROMA.1006');
    expectError(await roma('reader', 'POST', `${assets()}/delete`, { json: { apps: [{ id: ids.app1 }], tasks: [] } }), 403, 'ROMA.1006');
    expect(await names()).toEqual(before);
    expect(await blobCount()).toBe(blobs);
  });

  it.each(['member', 'neighbour', 'outsider'])('%s, without a grant on the instance, finds no instance (ROMA.00000404)', async (who) => {
    const before = await names();
    const blobs = await blobCount();
    expectError(await roma(who, 'POST', `${assets()}/export`, { json: { apps: [{ id: ids.app1 }] } }), 404, 'ROMA.00000404');
    expectError(await roma(who, 'POST', `${assets()}/import`, { file: zip }), 404, 'ROMA.00000404');
    expectError(await roma(who, 'POST', `${assets()}/delete`, { json: { apps: [{ id: ids.app1 }], tasks: [] } }), 404, 'ROMA.00000404');
    expectError(await roma(who, 'GET', `${assets()}/jobs/${'0'.repeat(32)}`), 404, 'ROMA.00000404');
    expect(await names()).toEqual(before);
    expect(await blobCount()).toBe(blobs);
  });
});
