/**
 * The ROMA door as a ROMA user drives it, over HTTP against a started server: a token from
 * /v3/auth/tokens, an export of two applications and a task, the archive downloaded once,
 * imports with AddNew (then refused, with reasons) and Merge with a prefix — and the same
 * flow signed with AK/SK the way the official SDKs sign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { sdkSign } from '../helpers/sdk-sign.js';

type J = Record<string, unknown>;

describe('the ROMA asset API', () => {
  let s: TestApp;
  let org: string;
  let dev: string;
  let prod: string;
  const ids: Record<string, string> = {};
  const admin = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    org = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
    dev = (await admin('POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body.space_id as string;
    prod = (await admin('POST', '/api/v1/orgs/acme/instances', { name: 'prod' })).body.space_id as string;
    const add = async (type: string, name: string, refs: Array<{ type: string; name: string }> = []) => {
      const r = await admin('POST', `/api/v1/spaces/${dev}/assets`, { type, name, refs, body: { about: name } });
      expect(r.status, r.text).toBe(201);
      ids[name] = r.body.id as string;
    };
    await add('application', 'app1');
    await add('application', 'app2');
    await add('application', 'app3');
    await add('datasource', 'ds1', [{ type: 'application', name: 'app1' }]);
    await add('api', 'api1', [{ type: 'application', name: 'app1' }]);
    await add('api', 'api3', [{ type: 'application', name: 'app3' }]);
    await add('datasource', 'ds2');
    await add('task', 'task1', [{ type: 'datasource', name: 'ds2' }]);
  });
  afterAll(() => s.close());

  /** One way of authenticating: a token, or AK/SK. */
  type Auth = (method: string, url: URL, body: Buffer | 'UNSIGNED-PAYLOAD') => Record<string, string>;

  async function call(auth: Auth, method: string, path: string, opts: { json?: unknown; form?: FormData } = {}) {
    const url = new URL(`${s.url}${path}`);
    let body: Buffer | FormData | undefined;
    const headers: Record<string, string> = {};
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json));
      headers['content-type'] = 'application/json';
    } else if (opts.form) body = opts.form;
    Object.assign(headers, auth(method, url, opts.form ? 'UNSIGNED-PAYLOAD' : ((body as Buffer | undefined) ?? Buffer.alloc(0))));
    const r = await fetch(url, { method, headers, body });
    const bytes = Buffer.from(await r.arrayBuffer());
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      // a ZIP
    }
    return { status: r.status, headers: r.headers, body: parsed as J, bytes };
  }

  const upload = (zip: Buffer, field = 'ImportAssetRequestBody', name = 'dev_assets.zip') => {
    const f = new FormData();
    f.append(field, new Blob([zip], { type: 'application/zip' }), name);
    return f;
  };

  async function waitRomaJob(auth: Auth, instance: string, id: string): Promise<J> {
    for (let i = 0; i < 1200; i++) {
      const r = await call(auth, 'GET', `/v2/${org}/instances/${instance}/assets/jobs/${id}`);
      expect(r.status).toBe(200);
      if (r.body.status !== 'RUNNING') return r.body;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`job ${id} did not end`);
  }

  async function flow(auth: Auth, prefix: string): Promise<void> {
    const assets = `/v2/${org}/instances`;
    const exp = await call(auth, 'POST', `${assets}/${dev}/assets/export`, { json: { apps: [{ id: ids.app1 }, { id: ids.app2 }], tasks: [{ id: ids.task1 }] } });
    expect(exp.status, JSON.stringify(exp.body)).toBe(200);
    expect(exp.body.job_id).toMatch(/^[0-9a-f]{32}$/);
    const job = await waitRomaJob(auth, dev, exp.body.job_id as string);
    expect(job).toMatchObject({ id: exp.body.job_id, type: 'exportAsset', status: 'SUCCEEDED', progress_percent: 1, reasons: [], reason: [] });
    expect(job.begin_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(job.end_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const zip = await call(auth, 'GET', `${assets}/${dev}/assets/archives/${job.archive_id as string}`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.zip"/);
    const again = await call(auth, 'GET', `${assets}/${dev}/assets/archives/${job.archive_id as string}`);
    expect(again.status).toBe(404);
    expect(again.body.error_code).toBe('ROMA.00000404');

    // Into another instance: AddNew (the default) …
    const imp = await call(auth, 'POST', `${assets}/${prod}/assets/import${prefix ? `?prefix=${prefix}` : ''}`, { form: upload(zip.bytes) });
    expect(imp.status, JSON.stringify(imp.body)).toBe(200);
    expect(await waitRomaJob(auth, prod, imp.body.job_id as string)).toMatchObject({ type: 'importAsset', status: 'SUCCEEDED', progress_percent: 1 });
    const names = (await admin('GET', `/api/v1/spaces/${prod}/assets?limit=100`)).body.items as J[];
    expect(names.map((a) => a.name).sort()).toEqual(expect.arrayContaining([`${prefix}app1`, `${prefix}app2`, `${prefix}task1`, 'ds1', 'api1', 'ds2']));
    expect(names.map((a) => a.name)).not.toContain('app3');

    // … again: refused, every existing application and task listed.
    const twice = await call(auth, 'POST', `${assets}/${prod}/assets/import?type=AddNew${prefix ? `&prefix=${prefix}` : ''}`, { form: upload(zip.bytes) });
    const failed = await waitRomaJob(auth, prod, twice.body.job_id as string);
    expect(failed.status).toBe('FAILED');
    const reasons = failed.reasons as J[];
    expect(reasons.map((r) => `${r.resource_type as string}/${r.resource_name as string}`).sort()).toEqual([`application/${prefix}app1`, `application/${prefix}app2`, `task/${prefix}task1`]);
    expect(reasons[0]).toMatchObject({ error_code: expect.stringMatching(/^ROMA\./), error_msg: expect.any(String) });
    expect(failed.reason).toEqual(failed.reasons);

    // Merge with a prefix: renamed, references rewritten.
    const merged = await call(auth, 'POST', `${assets}/${prod}/assets/import?type=Merge&prefix=m${prefix}`, { form: upload(zip.bytes) });
    expect(await waitRomaJob(auth, prod, merged.body.job_id as string)).toMatchObject({ status: 'SUCCEEDED' });
    const after = (await admin('GET', `/api/v1/spaces/${prod}/assets?limit=100`)).body.items as J[];
    expect(after.map((a) => a.name)).toEqual(expect.arrayContaining([`m${prefix}app1`, `m${prefix}task1`]));
  }

  it('with a token from /v3/auth/tokens', async () => {
    const t = await request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin-password-1', domain: { name: 'acme' } } } }, scope: { project: { id: org } } } } });
    expect(t.status, t.text).toBe(201);
    const token = t.headers.get('x-subject-token')!;
    expect(token).toBeTruthy();
    expect(t.body.token).toMatchObject({ project: { id: org, name: 'acme' }, user: { name: 'admin' }, expires_at: expect.any(String) });
    await flow(() => ({ 'x-auth-token': token }), '');
  });

  it('signed with AK/SK', async () => {
    const k = await admin('POST', '/api/v1/users/admin/access-keys', {});
    expect(k.status, k.text).toBe(201);
    const { access, secret } = k.body as { access: string; secret: string };
    // Clear what the first flow imported.
    const prodAssets = (await admin('GET', `/api/v1/spaces/${prod}/assets?limit=100`)).body.items as J[];
    for (const a of prodAssets) await admin('DELETE', `/api/v1/spaces/${prod}/assets/${a.id as string}`);
    await flow((method, url, body) => sdkSign(access, secret, method, url, body, { 'x-project-id': org }), 'p_');
  });

  it('answers bad requests with ROMA errors, writing nothing', async () => {
    const assets = `/v2/${org}/instances/${prod}/assets`;
    const tok = (await request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin-password-1' } } }, scope: { project: { name: 'acme' } } } } })).headers.get('x-subject-token')!;
    const as = (h: Record<string, string>) => () => h;
    const good = as({ 'x-auth-token': tok });
    const before = (await admin('GET', `/api/v1/spaces/${prod}/assets?limit=100`)).body.items;
    const blobCount = async () => (await s.t.database.db.selectFrom('blobs').select('id').execute()).length;
    const blobsBefore = await blobCount();
    const expectErr = (r: { status: number; body: J }, status: number, code: string) => {
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body).toMatchObject({ error_code: code, error_msg: expect.any(String), error_details: expect.any(String), request_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    };
    expectErr(await call(as({}), 'GET', `${assets}/jobs/${'0'.repeat(32)}`), 401, 'ROMA.1000');
    expectErr(await call(as({ 'x-auth-token': 'apt_nope' }), 'GET', `${assets}/jobs/${'0'.repeat(32)}`), 401, 'ROMA.1002');
    const other = (await admin('POST', '/api/v1/orgs', { name: 'other' })).body.id as string;
    expectErr(await call(good, 'GET', `/v2/${other}/instances/${prod}/assets/jobs/${'0'.repeat(32)}`), 403, 'ROMA.1006');
    expectErr(await call(good, 'GET', `${assets}/jobs/${'0'.repeat(32)}`), 404, 'ROMA.00000404');
    expectErr(await call(good, 'POST', `${assets}/export`, { json: { apps: Array.from({ length: 101 }, (_, i) => ({ id: String(i) })) } }), 400, 'ROMA.13000');
    expectErr(await call(good, 'POST', `${assets}/export`, { json: {} }), 400, 'ROMA.13001');
    expectErr(await call(good, 'POST', `${assets}/delete`, { json: { apps: [] } }), 400, 'ROMA.13000');
    expectErr(await call(good, 'POST', `${assets}/import`, { form: upload(Buffer.from('PK\x03\x04 not really'), 'file') }), 400, 'ROMA.13000');
    expectErr(await call(good, 'POST', `${assets}/import`, { form: upload(Buffer.from('plain text')) }), 400, 'ROMA.10011');
    expectErr(await call(good, 'POST', `${assets}/import`, { form: upload(Buffer.from('PK\x03\x04'), 'ImportAssetRequestBody', '_bad name.zip') }), 400, 'ROMA.10013');
    expectErr(await call(good, 'POST', `${assets}/import?type=Replace`, { form: upload(Buffer.from('PK\x03\x04')) }), 400, 'ROMA.13000');
    expectErr(await call(good, 'POST', `${assets}/import`), 400, 'ROMA.13001');
    expect((await admin('GET', `/api/v1/spaces/${prod}/assets?limit=100`)).body.items).toEqual(before);
    expect(await blobCount()).toBe(blobsBefore);
    const metrics = await request(s.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(/assetport_http_errors_total\{door="roma",code="ROMA.1000"\} [1-9]/);
    expect(metrics.text).toMatch(/assetport_door_requests_total\{door="roma"\} [1-9]/);
  });

  it('answers a wrong method (405, Allow) or an unknown path (ROMA.1007) before asking who calls', async () => {
    const assets = `/v2/${org}/instances/${dev}/assets`;
    const tok = (await request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin-password-1' } } }, scope: { project: { id: org } } } } })).headers.get('x-subject-token')!;
    const cases: Array<[string, string, number, string, string?]> = [
      ['GET', `${assets}/import`, 405, 'ROMA.00000405', 'POST'],
      ['DELETE', `${assets}/jobs/${'0'.repeat(32)}`, 405, 'ROMA.00000405', 'GET, HEAD'],
      ['PUT', `${assets}/export`, 405, 'ROMA.00000405', 'POST'],
      ['GET', `${assets}/nothing`, 400, 'ROMA.1007'],
      ['POST', `/v2/${org}/instances`, 400, 'ROMA.1007'],
    ];
    for (const [method, path, status, code, allow] of cases) {
      // Without credentials, with wrong ones and with good ones: the same answer.
      for (const headers of [{}, { 'x-auth-token': 'apt_nope' }, { 'x-auth-token': tok }] as Array<Record<string, string>>) {
        const r = await fetch(`${s.url}${path}`, { method, headers });
        const body = (await r.json()) as J;
        expect(r.status, `${method} ${path}: ${JSON.stringify(body)}`).toBe(status);
        expect(body).toMatchObject({ error_code: code, error_details: expect.any(String), request_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
        expect(r.headers.get('allow')).toBe(allow ?? null);
      }
    }
  });

  it('deletes an application with what it owns', async () => {
    const assets = `/v2/${org}/instances/${dev}/assets`;
    const tok = (await request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin-password-1' } } }, scope: { project: { id: org } } } } })).headers.get('x-subject-token')!;
    const auth = () => ({ 'x-auth-token': tok });
    const del = await call(auth, 'POST', `${assets}/delete`, { json: { apps: [{ id: ids.app3 }], tasks: [] } });
    expect(del.status, JSON.stringify(del.body)).toBe(200);
    expect(await waitRomaJob(auth, dev, del.body.job_id as string)).toMatchObject({ type: 'deleteAsset', status: 'SUCCEEDED' });
    const left = ((await admin('GET', `/api/v1/spaces/${dev}/assets?limit=100`)).body.items as J[]).map((a) => a.name);
    expect(left).not.toContain('app3');
    expect(left).not.toContain('api3');
    expect(left).toContain('app1');
  });
});
