/**
 * Projects through the SnapLogic door as SnapLogic's automation keywords call them
 * (`/api/2/{org_id}/rest/project/export|import/…` with Basic credentials, `force=True&
 * asset_types=All`, `duplicate_check=false`), the public project forms, and migrate,
 * synchronous and asynchronous (status token and url; Started / Completed / Failed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { snapshot } from '../helpers/fixtures.js';
import { form } from '../helpers/snaplogic.js';

type J = Record<string, unknown>;
const AUTH = `Basic ${Buffer.from('admin:admin-password-1').toString('base64')}`;

describe('SnapLogic projects', () => {
  let s: TestApp;
  let devId: string;
  const sl = (method: string, path: string, o: { form?: FormData; json?: unknown } = {}) => request<J>(s.url, method, path, { headers: { authorization: AUTH }, ...(o.form ? { body: o.form } : {}), ...(o.json !== undefined ? { json: o.json } : {}) });
  const native = (method: string, path: string, json?: unknown) => request<J>(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const projectAssets = async (org: string, space: string, name: string) => {
    const p = await native('GET', `/api/v1/orgs/${org}/projects/${encodeURIComponent(space)}/${encodeURIComponent(name)}`);
    return p.status === 200 ? Object.keys(await snapshot(s.url, s.adminToken, p.body.space_id as string)).sort() : null;
  };
  const zip = async (path: string) => {
    const r = await fetch(`${s.url}${path}`, { headers: { authorization: AUTH } });
    expect(r.status).toBe(200);
    return Buffer.from(await r.arrayBuffer());
  };

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    devId = (await native('POST', '/api/v1/orgs', { name: 'dev' })).body.id as string;
    await native('POST', '/api/v1/orgs', { name: 'prod' });
    for (const [space, name] of [['Team', 'etl'], ['shared', 'common']]) {
      const p = (await native('POST', '/api/v1/orgs/dev/projects', { project_space: space, name })).body.space_id as string;
      await native('POST', `/api/v1/spaces/${p}/assets`, { type: 'Pipeline', name: `${name}_pipeline`, body: {} });
      await native('POST', `/api/v1/spaces/${p}/assets`, { type: 'Task', name: `${name}_task`, refs: [{ type: 'Pipeline', name: `${name}_pipeline` }] });
    }
    await native('POST', '/api/v1/users', { name: 'member', password: 'member-password', org_roles: [{ org: 'dev', role: 'member' }] });
  });
  afterAll(() => s?.close());

  it('the keyword library calls: export with force=True&asset_types=All, import with duplicate_check=false (re-imports make "<project> <N>")', async () => {
    const exported = await zip(`/api/2/${devId}/rest/project/export/dev/Team/etl?force=True&asset_types=All`);
    const prodId = (await native('GET', '/api/v1/orgs/prod')).body.id as string;
    const first = await sl('POST', `/api/2/${prodId}/rest/project/import/prod/Team/etl?duplicate_check=false`, { form: form({ file: exported }) });
    expect(first.status, first.text).toBe(200);
    expect((first.body.response_map as { successful: J[] }).successful.map((x) => x.name).sort()).toEqual(['etl_pipeline', 'etl_task']);
    const again = await sl('POST', `/api/2/${prodId}/rest/project/import/prod/Team/etl?duplicate_check=false`, { form: form({ file: exported }) });
    expect(again.status, again.text).toBe(200);
    expect(await projectAssets('prod', 'Team', 'etl 1')).toEqual(['Pipeline/etl_pipeline', 'Task/etl_task']);
    // The org of the URL is accepted by name too; another org than the path's is not found.
    expect((await fetch(`${s.url}/api/2/dev/rest/project/export/dev/Team/etl`, { headers: { authorization: AUTH } })).status).toBe(200);
    const other = await sl('GET', `/api/2/${prodId}/rest/project/export/dev/Team/etl`);
    expect(other.status).toBe(404);
    expect((other.body.response_map as { error_list: J[] }).error_list[0]!.message).toContain('The asset does not exist: dev');
  });

  it("the public project forms, and a project space's shared folder", async () => {
    const exported = await zip('/api/1/rest/public/project/export/dev/shared/common?asset_types=Pipeline');
    const r = await sl('POST', '/api/1/rest/public/project/import/prod/shared/common', { form: form({ file: exported }) });
    expect(r.status, r.text).toBe(200);
    expect(await projectAssets('prod', 'shared', 'common')).toEqual(['Pipeline/common_pipeline']);
    const conflict = await sl('POST', '/api/1/rest/public/project/import/prod/shared/common', { form: form({ file: exported }) });
    expect(conflict.status).toBe(409);
    const member = await request<J>(s.url, 'GET', '/api/1/rest/public/project/export/dev/Team/etl', { basic: { user: 'member', password: 'member-password' } });
    expect([member.status, member.body.http_status_code]).toEqual([403, 403]);
  });

  it('migrate: synchronously, and asynchronously with a status token and url', async () => {
    const sync = await sl('POST', '/api/1/rest/public/project/migrate/dev/Team/etl', { json: { dest_path: '/prod/Team/migrated', asset_types: ['All'] } });
    expect(sync.status, sync.text).toBe(200);
    expect((sync.body.response_map as { successful: J[] }).successful).toHaveLength(2);
    expect(await projectAssets('prod', 'Team', 'migrated')).toEqual(['Pipeline/etl_pipeline', 'Task/etl_task']);

    const started = await sl('POST', '/api/1/rest/public/project/migrate/dev/Team/etl', { json: { dest_path: '/prod/Team/migrated', duplicate_check: 'create_new', async: true } });
    expect(started.status, started.text).toBe(200);
    const { status_token: token, status_url: url } = started.body.response_map as { status_token: string; status_url: string };
    expect(url).toBe(`/api/1/rest/public/project/migrate/status/${token}`);
    let status: J = {};
    for (let i = 0; i < 3000 && status.status !== 'Completed' && status.status !== 'Failed'; i++) {
      const r = await sl('GET', url);
      expect(r.status).toBe(200);
      status = r.body.response_map as J;
      expect(['Started', 'Completed', 'Failed']).toContain(status.status);
      if (status.status === 'Started') await new Promise((ok) => setTimeout(ok, 50));
    }
    expect(status.status).toBe('Completed');
    expect((status.successful as J[]).map((x) => x.name).sort()).toEqual(['etl_pipeline', 'etl_task']);
    expect(await projectAssets('prod', 'Team', 'migrated 1')).toEqual(['Pipeline/etl_pipeline', 'Task/etl_task']);

    // Without duplicate_check onto an existing project: the job fails, and says why.
    const refused = await sl('POST', '/api/1/rest/public/project/migrate/dev/Team/etl', { json: { dest_path: 'prod/Team/migrated', async: 'true' } });
    const token2 = (refused.body.response_map as { status_token: string }).status_token;
    let failed: J = {};
    for (let i = 0; i < 3000 && failed.status !== 'Failed' && failed.status !== 'Completed'; i++) {
      failed = (await sl('GET', `/api/1/rest/public/project/migrate/status/${token2}`)).body.response_map as J;
      if (failed.status === 'Started') await new Promise((ok) => setTimeout(ok, 50));
    }
    expect(failed).toMatchObject({ status: 'Failed', error_list: [{ message: expect.stringContaining("'Team/migrated' already exists") }] });
    const bad = await sl('POST', '/api/1/rest/public/project/migrate/dev/Team/etl', { json: { dest_path: 'prod/Team' } });
    expect([bad.status, (bad.body.response_map as { error_list: J[] }).error_list[0]!.message]).toEqual([400, expect.stringContaining('dest_path')]);
    expect((await sl('GET', '/api/1/rest/public/project/migrate/status/ffffffffffffffffffffffffffffffff')).status).toBe(404);
  });
});
