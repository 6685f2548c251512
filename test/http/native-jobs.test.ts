/**
 * The native job listing and job deletion: who sees which jobs (never another org's),
 * filters, pages that stay stable while jobs are added, and the rules for deleting a job
 * (finished only; its archive goes with it).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob } from '../../src/jobs/queue.js';
import { request, startTestApp, waitJob, type Res, type TestApp } from '../helpers/app.js';

type J = Record<string, unknown>;
const problem = (r: Res, status: number, code: string) => {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code });
};
const LIST_KEYS = ['attempts', 'author', 'created_at', 'finished_at', 'first_reason', 'href', 'id', 'kind', 'org_id', 'progress', 'space_id', 'started_at', 'state', 'summary', 'undone_by'];

describe('native jobs: listing and deleting', () => {
  let s: TestApp;
  const tok: Record<string, string> = {};
  const space: Record<string, string> = {};
  const job: Record<string, string> = {};
  let adminId = '';
  let acmeId = '';
  const as = (user: string, method: string, path: string, json?: unknown) => request(s.url, method, path, { token: tok[user]!, ...(json !== undefined ? { json } : {}) });
  const ids = async (user: string, query = ''): Promise<string[]> => {
    const r = await as(user, 'GET', `/api/v1/jobs${query}`);
    expect(r.status, r.text).toBe(200);
    return (r.body.items as J[]).map((j) => j.id as string);
  };
  const exportOf = async (user: string, spaceId: string): Promise<string> => {
    const r = await as(user, 'POST', `/api/v1/spaces/${spaceId}/exports`, {});
    expect(r.status, r.text).toBe(202);
    const id = r.body.job_id as string;
    expect((await waitJob(s.url, tok[user]!, id)).state).toBe('SUCCEEDED');
    return id;
  };

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    tok.admin = s.adminToken;
    const admin = (m: string, p: string, json?: unknown) => as('admin', m, p, json);
    acmeId = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
    await admin('POST', '/api/v1/orgs', { name: 'globex' });
    for (const [org, name] of [['acme', 'dev'], ['acme', 'prod'], ['globex', 'dev']] as const) {
      const sp = (await admin('POST', `/api/v1/orgs/${org}/instances`, { name })).body.space_id as string;
      space[`${org}/${name}`] = sp;
      expect((await admin('POST', `/api/v1/spaces/${sp}/assets`, { type: 'application', name: 'app1' })).status).toBe(201);
    }
    const users: Array<[string, unknown[]]> = [
      ['alice', [{ org: 'acme', role: 'member' }]],
      ['dave', [{ org: 'acme', role: 'member' }]],
      ['carol', [{ org: 'acme', role: 'admin' }]],
      ['bob', [{ org: 'globex', role: 'admin' }]],
    ];
    for (const [name, roles] of users) {
      expect((await admin('POST', '/api/v1/users', { name, password: `${name}-password`, org_roles: roles })).status).toBe(201);
      tok[name] = (await request(s.url, 'POST', '/api/v1/tokens', { json: { user: name, password: `${name}-password` } })).body.token as string;
    }
    await admin('POST', `/api/v1/spaces/${space['acme/dev']}/grants`, { user: 'alice', perms: 'RW' });
    await admin('POST', `/api/v1/spaces/${space['acme/prod']}/grants`, { user: 'dave', perms: 'R' });
    adminId = (await admin('GET', '/api/v1/whoami')).body.id as string;
    job.adminDev = await exportOf('admin', space['acme/dev']!);
    job.adminProd = await exportOf('admin', space['acme/prod']!);
    job.adminGlobex = await exportOf('admin', space['globex/dev']!);
    job.aliceDev = await exportOf('alice', space['acme/dev']!);
    job.bobGlobex = await exportOf('bob', space['globex/dev']!);
  });
  afterAll(() => s.close());

  it('shows each user only the jobs they may see, newest first', async () => {
    expect(await ids('admin')).toEqual([job.bobGlobex, job.aliceDev, job.adminGlobex, job.adminProd, job.adminDev]);
    expect(await ids('alice')).toEqual([job.aliceDev, job.adminDev]);
    expect(await ids('dave')).toEqual([job.adminProd]);
    expect(await ids('carol')).toEqual([job.aliceDev, job.adminProd, job.adminDev]);
    expect(await ids('bob')).toEqual([job.bobGlobex, job.adminGlobex]);
    // One job at a time answers the same.
    expect((await as('alice', 'GET', `/api/v1/jobs/${job.adminProd}`)).status).toBe(404);
    expect((await as('bob', 'GET', `/api/v1/jobs/${job.adminDev}`)).status).toBe(404);
    expect((await as('carol', 'GET', `/api/v1/jobs/${job.aliceDev}`)).status).toBe(200);
  });

  it('lists what a job is and how it went, never its result, parameters or archive', async () => {
    const r = await as('admin', 'GET', '/api/v1/jobs?limit=1');
    const item = (r.body.items as J[])[0]!;
    expect(Object.keys(item).sort()).toEqual(LIST_KEYS);
    expect(item).toMatchObject({ id: job.bobGlobex, kind: 'export', state: 'SUCCEEDED', progress: 1, author: 'bob', space_id: space['globex/dev'], href: `/api/v1/jobs/${job.bobGlobex}`, first_reason: null, undone_by: null });
    expect(item.summary).toMatchObject({ asset_count: 1 });
    expect(typeof r.body.next).toBe('string');
    expect(r.text).not.toContain('/archive');
  });

  it('filters by space, author, kind and state', async () => {
    expect(await ids('admin', `?space=${space['acme/dev']}`)).toEqual([job.aliceDev, job.adminDev]);
    expect(await ids('admin', '?author=alice')).toEqual([job.aliceDev]);
    expect(await ids('carol', '?author=bob')).toEqual([]);
    expect(await ids('admin', '?author=nobody')).toEqual([]);
    expect(await ids('alice', '?kind=export,undo')).toHaveLength(2);
    expect(await ids('admin', '?kind=import')).toEqual([]);
    expect(await ids('admin', '?state=SUCCEEDED')).toHaveLength(5);
    expect(await ids('admin', '?state=FAILED,CANCELLED')).toEqual([]);
    expect(await ids('bob', `?space=${space['globex/dev']}&author=admin`)).toEqual([job.adminGlobex]);
  });

  it('refuses bad filters and pages with a problem naming them', async () => {
    problem(await as('admin', 'GET', '/api/v1/jobs?state=DONE'), 400, 'invalid_request');
    expect((await as('admin', 'GET', '/api/v1/jobs?state=DONE')).body.field).toBe('state');
    problem(await as('admin', 'GET', '/api/v1/jobs?kind=copy'), 400, 'invalid_request');
    for (const limit of ['0', '501', 'ten', '-1']) problem(await as('admin', 'GET', `/api/v1/jobs?limit=${limit}`), 400, 'invalid_request');
    problem(await as('admin', 'GET', '/api/v1/jobs?cursor=not-a-cursor'), 400, 'invalid_request');
    problem(await as('admin', 'GET', `/api/v1/jobs?cursor=${Buffer.from('["2020-01-01", "x"]').toString('base64url')}`), 400, 'invalid_request');
    problem(await as('admin', 'GET', '/api/v1/jobs?order=asc'), 400, 'invalid_request');
    // A space the caller can't see is not found, as everywhere.
    problem(await as('alice', 'GET', `/api/v1/jobs?space=${space['globex/dev']}`), 404, 'not_found');
    problem(await as('alice', 'GET', '/api/v1/jobs?space=nonsense'), 404, 'not_found');
    problem(await request(s.url, 'GET', '/api/v1/jobs'), 401, 'unauthenticated');
  });

  it('deletes a finished job with its archive, for its author, a writer of its space or an admin', async () => {
    const blob = await s.t.database.db.selectFrom('jobs').select('output_blob_id').where('id', '=', job.adminDev!).executeTakeFirstOrThrow();
    expect(blob.output_blob_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await as('admin', 'GET', `/api/v1/jobs/${job.adminDev}/archive`)).status).toBe(200);
    // dave only reads acme/prod; bob can't see acme's jobs at all.
    problem(await as('dave', 'DELETE', `/api/v1/jobs/${job.adminProd}`), 403, 'forbidden');
    problem(await as('bob', 'DELETE', `/api/v1/jobs/${job.adminProd}`), 404, 'not_found');
    // alice writes acme/dev: she may delete admin's export there.
    const del = await as('alice', 'DELETE', `/api/v1/jobs/${job.adminDev}`);
    expect(del.status, del.text).toBe(204);
    expect(del.text).toBe('');
    problem(await as('admin', 'GET', `/api/v1/jobs/${job.adminDev}`), 404, 'not_found');
    problem(await as('admin', 'GET', `/api/v1/jobs/${job.adminDev}/archive`), 404, 'not_found');
    expect(await s.t.database.db.selectFrom('blobs').select('id').where('id', '=', blob.output_blob_id!).executeTakeFirst()).toBeUndefined();
    problem(await as('admin', 'DELETE', `/api/v1/jobs/${job.adminDev}`), 404, 'not_found');
    // The org admin, and the author.
    expect((await as('carol', 'DELETE', `/api/v1/jobs/${job.adminProd}`)).status).toBe(204);
    expect((await as('bob', 'DELETE', `/api/v1/jobs/${job.bobGlobex}`)).status).toBe(204);
    expect(await ids('admin')).toEqual([job.aliceDev, job.adminGlobex]);
    const audit = await s.t.database.db.selectFrom('audit_events').select(['actor', 'job_id']).where('action', '=', 'job.delete').orderBy('id').execute();
    expect(audit.map((a) => a.actor)).toEqual(['alice', 'carol', 'bob']);
    problem(await as('admin', 'DELETE', '/api/v1/jobs/not-a-job'), 404, 'not_found');
  });

  it('refuses to delete a job that is queued or running', async () => {
    await s.worker!.stop(5000);
    const r = await as('alice', 'POST', `/api/v1/spaces/${space['acme/dev']}/exports`, {});
    const queued = r.body.job_id as string;
    const refused = await as('alice', 'DELETE', `/api/v1/jobs/${queued}`);
    problem(refused, 409, 'job_not_finished');
    expect(refused.body.job_state).toBe('QUEUED');
    await sql`UPDATE jobs SET state = 'RUNNING' WHERE id = ${queued}`.execute(s.t.database.db);
    problem(await as('admin', 'DELETE', `/api/v1/jobs/${queued}`), 409, 'job_not_finished');
    await sql`UPDATE jobs SET state = 'QUEUED' WHERE id = ${queued}`.execute(s.t.database.db);
    expect((await as('alice', 'POST', `/api/v1/jobs/${queued}/cancel`)).body.state).toBe('CANCELLED');
    expect(await ids('alice', '?state=CANCELLED')).toEqual([queued]);
    expect((await as('alice', 'DELETE', `/api/v1/jobs/${queued}`)).status).toBe(204);
  });

  it('pages newest first, stable while jobs are added', async () => {
    const prod = space['acme/prod']!;
    const db = s.t.database.db;
    const add = (n: number) =>
      db.transaction().execute(async (trx) => {
        // One transaction: the jobs share one creation time, so only their ids order them.
        const made: string[] = [];
        for (let i = 0; i < n; i++) made.push((await enqueueJob(trx, { kind: 'export', userId: adminId, orgId: acmeId, spaceId: prod })).id);
        await sql`UPDATE jobs SET state = 'SUCCEEDED', finished_at = now() WHERE id = ANY(${made}::text[])`.execute(trx);
        return made;
      });
    const older = await add(6);
    const newer = await add(6);
    const expected = [...newer.sort().reverse(), ...older.sort().reverse()];
    const page1 = await as('dave', 'GET', `/api/v1/jobs?space=${prod}&limit=5`);
    expect((page1.body.items as J[]).map((j) => j.id)).toEqual(expected.slice(0, 5));
    const added = await add(2);
    const page2 = await as('dave', 'GET', `/api/v1/jobs?space=${prod}&limit=5&cursor=${page1.body.next as string}`);
    const page3 = await as('dave', 'GET', `/api/v1/jobs?space=${prod}&limit=5&cursor=${page2.body.next as string}`);
    expect((page2.body.items as J[]).map((j) => j.id)).toEqual(expected.slice(5, 10));
    expect((page3.body.items as J[]).map((j) => j.id)).toEqual(expected.slice(10));
    expect(page3.body.next).toBeNull();
    const fresh = await ids('dave', `?space=${prod}&limit=2`);
    expect(fresh.sort()).toEqual(added.sort());
    expect(await ids('bob', `?limit=500`)).toEqual([job.adminGlobex]);
  });
});
