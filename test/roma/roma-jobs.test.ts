/**
 * ROMA jobs at their limits: one asset job per user (ROMA.10012), and packages the engine
 * refuses while reading or planning — a traversal name (ROMA.10011) or more than 100
 * applications and tasks (ROMA.13000) — end FAILED with the code in `reasons`, nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';
import { zipOf } from '../helpers/raw-zip.js';

type J = Record<string, unknown>;

async function romaSetup(s: TestApp): Promise<{ org: string; inst: string; token: string }> {
  const admin = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const org = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
  const inst = (await admin('POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body.space_id as string;
  const t = await request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin-password-1' } } }, scope: { project: { id: org } } } } });
  return { org, inst, token: t.headers.get('x-subject-token')! };
}

const upload = (zip: Buffer) => {
  const f = new FormData();
  f.append('ImportAssetRequestBody', new Blob([zip], { type: 'application/zip' }), 'assets.zip');
  return f;
};

describe('one asset job per user', () => {
  let s: TestApp;
  beforeAll(async () => {
    s = await startTestApp(); // no worker: a job stays queued
  });
  afterAll(() => s.close());

  it('a second import or export while one is queued is ROMA.10012', async () => {
    const { org, inst, token } = await romaSetup(s);
    const base = `/v2/${org}/instances/${inst}/assets`;
    const pkg = await buildPackage('instance', [{ type: 'application', name: 'app1' }]);
    const first = await request(s.url, 'POST', `${base}/import`, { headers: { 'x-auth-token': token }, body: upload(pkg) });
    expect(first.status, first.text).toBe(200);
    const second = await request(s.url, 'POST', `${base}/import`, { headers: { 'x-auth-token': token }, body: upload(pkg) });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error_code: 'ROMA.10012' });
    const exp = await request(s.url, 'POST', `${base}/export`, { headers: { 'x-auth-token': token }, json: { apps: [{ id: 'a'.repeat(24) }] } });
    expect(exp.status).toBe(409);
    expect(exp.body).toMatchObject({ error_code: 'ROMA.10012' });
    const job = await request(s.url, 'GET', `${base}/jobs/${first.body.job_id as string}`, { headers: { 'x-auth-token': token } });
    expect(job.body).toMatchObject({ type: 'importAsset', status: 'RUNNING', progress_percent: 0 });
  });
});

describe('packages refused while they are read or planned', () => {
  let s: TestApp;
  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
  });
  afterAll(() => s.close());

  async function failedImport(base: string, token: string, zip: Buffer): Promise<J> {
    const r = await request(s.url, 'POST', `${base}/import`, { headers: { 'x-auth-token': token }, body: upload(zip) });
    expect(r.status, r.text).toBe(200);
    for (let i = 0; i < 3000; i++) {
      const j = await request(s.url, 'GET', `${base}/jobs/${r.body.job_id as string}`, { headers: { 'x-auth-token': token } });
      if (j.body.status !== 'RUNNING') return j.body;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error('the job did not end');
  }

  it('a traversal name is ROMA.10011, more than 100 applications and tasks ROMA.13000; nothing is written', async () => {
    const { org, inst, token } = await romaSetup(s);
    const base = `/v2/${org}/instances/${inst}/assets`;
    const traversal = await failedImport(base, token, zipOf([{ name: '../evil.json', data: Buffer.from('{}') }]));
    expect(traversal.status).toBe('FAILED');
    expect((traversal.reasons as J[])[0]).toMatchObject({ error_code: 'ROMA.10011' });
    const many = await buildPackage('instance', [
      ...Array.from({ length: 60 }, (_, i) => ({ type: 'application' as const, name: `app${i}` })),
      ...Array.from({ length: 41 }, (_, i) => ({ type: 'task' as const, name: `task${i}` })),
    ]);
    const tooMany = await failedImport(base, token, many);
    expect(tooMany.status).toBe('FAILED');
    expect((tooMany.reasons as J[]).map((r) => r.error_code)).toEqual(['ROMA.13000']);
    const left = await request(s.url, 'GET', `/api/v1/spaces/${inst}/assets`, { token: s.adminToken });
    expect(left.body.items).toEqual([]);
  });
});
