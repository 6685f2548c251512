import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { createOrgWithSpaces, fill, ROMA_ASSETS, SNAPLOGIC_ASSETS, snapshot } from '../helpers/fixtures.js';

type J = Record<string, unknown>;

describe('export, import, plan, undo through the native API', () => {
  let s: TestApp;
  let src: { instance: string; version: string; project: string };
  let dst: { instance: string; version: string; project: string };
  const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });

  async function exportSpace(space: string, body: J = {}): Promise<Buffer> {
    const r = await call('POST', `/api/v1/spaces/${space}/exports`, { json: body });
    expect(r.status).toBe(202);
    const job = await waitJob(s.url, s.adminToken, r.body.job_id as string);
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    const d = await download(s.url, `/api/v1/jobs/${r.body.job_id as string}/archive`, s.adminToken);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-type')).toBe('application/zip');
    return d.bytes;
  }

  async function importInto(space: string, pkg: Buffer, json: J = {}, query = ''): Promise<J> {
    const r = await call('POST', `/api/v1/spaces/${space}/imports${query}`, { body: multipart({ package: pkg }, json) });
    expect(r.status, r.text).toBe(202);
    return waitJob(s.url, s.adminToken, r.body.job_id as string);
  }

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    src = await createOrgWithSpaces(s.url, s.adminToken, 'source-org');
    dst = await createOrgWithSpaces(s.url, s.adminToken, 'target-org');
    await fill(s.url, s.adminToken, src.instance, ROMA_ASSETS);
    await fill(s.url, s.adminToken, src.version, SNAPLOGIC_ASSETS);
  });
  afterAll(() => s.close());

  it.each(['instance', 'version'] as const)('a round trip of every asset type of an %s reproduces every asset, secrets intact', async (which) => {
    const pkg = await exportSpace(src[which]);
    expect(pkg.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    expect(pkg.toString('latin1')).not.toContain('s3cret');
    const job = await importInto(dst[which], pkg);
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    const before = await snapshot(s.url, s.adminToken, src[which]);
    const after = await snapshot(s.url, s.adminToken, dst[which]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after).toEqual(before);
    // Secrets decrypt to the same plain text on this deployment.
    const rows = await s.t.database.db.selectFrom('assets').select(['type', 'body']).where('space_id', '=', dst[which]).where('type', 'in', ['Account', 'datasource']).execute();
    for (const r of rows) {
      const pw = (r.body as { property_map: { settings: { password: { value: string } } } }).property_map.settings.password.value;
      expect(s.keyring.decrypt(pw)).toMatch(/^(ds|acc)-s3cret$/);
    }
    // Importing the same package again changes nothing.
    const again = await importInto(dst[which], pkg);
    const summary = (again.result as { summary: Record<string, number> }).summary;
    expect(summary.unchanged).toBe(Object.keys(before).length);
    expect([summary.create, summary.update, summary.skip, summary.conflict]).toEqual([0, 0, 0, 0]);
  });

  it('a dry run reports the plan and writes nothing', async () => {
    const pkg = await exportSpace(src.instance);
    const fresh = (await call('POST', '/api/v1/orgs/target-org/instances', { json: { name: 'dry' } })).body.space_id as string;
    const r = await call('POST', `/api/v1/spaces/${fresh}/imports?dry_run=true`, { body: multipart({ package: pkg }) });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ dry_run: true, ok: true, summary: { create: ROMA_ASSETS.length } });
    expect((await call('GET', `/api/v1/spaces/${fresh}/assets`)).body.items).toEqual([]);
    expect(await s.t.database.db.selectFrom('blobs').select('id').where('id', 'not in', (await s.t.database.db.selectFrom('jobs').select('output_blob_id').where('output_blob_id', 'is not', null).execute()).map((x) => x.output_blob_id!)).execute()).toEqual([]);
  });

  it('undo restores what an import updated and removes what it created', async () => {
    const space = (await call('POST', '/api/v1/orgs/target-org/instances', { json: { name: 'undo-me' } })).body.space_id as string;
    await fill(s.url, s.adminToken, space, [{ type: 'application', name: 'orders', body: { description: 'local edit' } }]);
    const before = await snapshot(s.url, s.adminToken, space);
    const pkg = await exportSpace(src.instance);
    const imp = await importInto(space, pkg, {}, '?policy=overwrite');
    expect(imp.state, JSON.stringify(imp.reasons)).toBe('SUCCEEDED');
    expect((imp.result as { summary: Record<string, number> }).summary).toMatchObject({ update: 1, create: ROMA_ASSETS.length - 1 });
    const u = await call('POST', `/api/v1/jobs/${imp.id as string}/undo`);
    expect(u.status).toBe(202);
    const undo = await waitJob(s.url, s.adminToken, u.body.job_id as string);
    expect(undo.state, JSON.stringify(undo.reasons)).toBe('SUCCEEDED');
    expect(undo.result).toMatchObject({ removed: ROMA_ASSETS.length - 1, restored: 1 });
    const after = await snapshot(s.url, s.adminToken, space);
    expect(after).toEqual(before);
    // Not twice.
    const again = await call('POST', `/api/v1/jobs/${imp.id as string}/undo`);
    expect(again.status).toBe(412);
  });

  it('undo is refused, writing nothing, when an affected asset changed since', async () => {
    const space = (await call('POST', '/api/v1/orgs/target-org/instances', { json: { name: 'changed-since' } })).body.space_id as string;
    const imp = await importInto(space, await exportSpace(src.instance));
    const assets = (await call('GET', `/api/v1/spaces/${space}/assets?type=application`)).body.items as J[];
    await call('PUT', `/api/v1/spaces/${space}/assets/${assets[0]!.id as string}`, { json: { body: { description: 'edited after import' } } });
    const before = await snapshot(s.url, s.adminToken, space);
    const u = await call('POST', `/api/v1/jobs/${imp.id as string}/undo`);
    const undo = await waitJob(s.url, s.adminToken, u.body.job_id as string);
    expect(undo.state).toBe('FAILED');
    expect((undo.reasons as J[])[0]).toMatchObject({ code: 'undo.asset_changed' });
    expect(await snapshot(s.url, s.adminToken, space)).toEqual(before);
  });
});

describe('export selection', () => {
  let s: TestApp;
  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
  });
  afterAll(() => s.close());

  it('exports chosen assets, by type, and with what they refer to', async () => {
    const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });
    const { version } = await createOrgWithSpaces(s.url, s.adminToken, 'sel');
    await fill(s.url, s.adminToken, version, SNAPLOGIC_ASSETS);
    const all = (await call('GET', `/api/v1/spaces/${version}/assets`)).body.items as J[];
    const task = all.find((a) => a.type === 'Task')!;
    const exportOf = async (json: J): Promise<string[]> => {
      const r = await call('POST', `/api/v1/spaces/${version}/exports`, { json });
      expect(r.status, r.text).toBe(202);
      const job = await waitJob(s.url, s.adminToken, r.body.job_id as string);
      expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
      const pkg = (await download(s.url, `/api/v1/jobs/${r.body.job_id as string}/archive`, s.adminToken)).bytes;
      const fresh = (await call('POST', '/api/v1/orgs/sel/apis/Books/versions', { json: { name: `x${Math.random().toString(36).slice(2, 8)}` } })).body.space_id as string;
      const imp = await call('POST', `/api/v1/spaces/${fresh}/imports?dry_run=true`, { body: multipart({ package: pkg }) });
      return ((imp.body.items as J[]).map((i) => `${i.type as string}/${i.name as string}`)).sort();
    };
    expect(await exportOf({ asset_ids: [task.id] })).toEqual(['Task/books']);
    expect(await exportOf({ asset_ids: [task.id], with_dependencies: true })).toEqual(['Account/books_db', 'Expression/helpers.expr', 'File/mapping.csv', 'Pipeline/Load books (v2)', 'Task/books']);
    expect(await exportOf({ types: ['Policy', 'Flow'] })).toEqual(['Flow/books flow', 'Policy/rate-limit']);
    const bad = await call('POST', `/api/v1/spaces/${version}/exports`, { json: { asset_ids: ['0'.repeat(24)] } });
    expect(bad.status).toBe(202);
    expect((await waitJob(s.url, s.adminToken, bad.body.job_id as string)).state).toBe('FAILED');
    expect((await call('POST', `/api/v1/spaces/${version}/exports`, { json: { types: ['application'] } })).status).toBe(400);
    expect((await call('POST', `/api/v1/spaces/${version}/exports`, { json: { asset_ids: 'all' } })).status).toBe(400);
  });
});
