/**
 * The use cases every front door calls, driven with core-typed requests as a door would:
 * import targets (space, API version, project), dry runs naming what they would create,
 * the synchronous import, export closures, and archives taken once.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { DomainError } from '../../src/core/errors.js';
import type { ImportRequest } from '../../src/core/transfer-requests.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { createAsset, listAssets } from '../../src/service/assets.js';
import type { ServiceContext } from '../../src/service/context.js';
import { jobArchive, startExport, takeArchive } from '../../src/service/exports.js';
import { runImportNow, startImport } from '../../src/service/imports.js';
import { visibleJob } from '../../src/service/jobs.js';
import { createOrg } from '../../src/service/orgs.js';
import { createApi, createInstance, createVersion, listSpaces } from '../../src/service/spaces.js';
import { bootstrapAdmin, createUser } from '../../src/service/users.js';
import { writeBlob } from '../../src/store/blobs.js';
import { sweepArchives } from '../../src/store/retention.js';
import { exportHandler } from '../../src/jobs/export-job.js';
import { pino } from 'pino';
import { runClaimedJob } from '../../src/jobs/run-job.js';
import { claimJob } from '../../src/jobs/queue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { buildPackage } from '../helpers/packages.js';

let t: TestDatabase;
let ctx: ServiceContext;
let n = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  await bootstrapAdmin(t.database.db, 'admin', 'admin-password-1');
  const row = await t.database.db.selectFrom('users').select(['id', 'name']).where('name', '=', 'admin').executeTakeFirstOrThrow();
  ctx = {
    db: t.database.db,
    keyring: KeyRing.fromMasterKeys([randomBytes(32)]),
    config: loadConfig({ ASSETPORT_DATA_DIR: '/nonexistent-test-dir', LOG_LEVEL: 'silent' }),
    principal: { userId: row.id, name: row.name, isAdmin: true },
  };
});
afterAll(() => t.drop());

const stored = async (zip: Buffer) => ({ blobId: (await writeBlob(ctx.db, Readable.from([zip]), { maxBytes: 1 << 30 })).id });
const request = (over: Partial<ImportRequest> & Pick<ImportRequest, 'target' | 'package'>): ImportRequest => ({ policy: {}, createNew: false, dryRun: false, overrides: [], ...over });
const newOrg = async () => (await createOrg(ctx, `org${++n}`)).id;
const versionPackage = () => buildPackage('api_version', [{ type: 'Pipeline', name: 'p1', body: { v: 1 } }, { type: 'Task', name: 't1', refs: [{ type: 'Pipeline', name: 'p1' }] }]);

/** Runs queued export jobs in this process, as a worker would. */
async function runQueued(): Promise<void> {
  const logger = pino({ level: 'silent' });
  const handlers = new Map([['export', exportHandler({ config: ctx.config, database: t.database, keyring: ctx.keyring, logger })]]);
  for (let job = await claimJob(ctx.db, 'test', ['export'], 10_000); job; job = await claimJob(ctx.db, 'test', ['export'], 10_000)) {
    await runClaimedJob({ db: ctx.db, logger, leaseMs: 10_000, workerId: 'test', handlers }, job);
  }
}

describe('import targets', () => {
  it('imports into an API version that does not exist yet: created unpublished, by the import', async () => {
    const org = await newOrg();
    await createApi(ctx, org, 'orders');
    const target = { orgId: org, apiName: 'orders', version: '1.0' };
    const plan = await startImport(ctx, request({ target, dryRun: true, package: { buffer: await versionPackage() } }));
    expect(plan.dryRun && plan.report).toMatchObject({ ok: true, space_id: null, created_space: { space_id: null, name: '1.0' }, summary: { create: 2 } });
    expect(await listSpaces(ctx, { org, kind: 'api_version' })).toEqual([]);

    const { job, report } = await runImportNow(ctx, request({ target, package: await stored(await versionPackage()) }));
    expect(job?.state).toBe('SUCCEEDED');
    const [v] = await listSpaces(ctx, { org, kind: 'api_version' });
    expect(v).toMatchObject({ name: '1.0', api: 'orders', published: false });
    expect(report).toMatchObject({ ok: true, space_id: v!.space_id, created_space: { space_id: v!.space_id, name: '1.0' } });
    expect((await listAssets(ctx, v!.space_id, { limit: 10 })).items.map((a) => a.name).sort()).toEqual(['p1', 't1']);
  });

  it('creates nothing when the import into a new version is refused', async () => {
    const org = await newOrg();
    await createApi(ctx, org, 'orders');
    // An account override that matches no account: a problem of the plan.
    const overrides = [{ id: 'f'.repeat(24), body: { property_map: { settings: { user: { value: 'u' } } } }, fields: ['user'] }];
    await expect(runImportNow(ctx, request({ target: { orgId: org, apiName: 'orders', version: '2.0' }, overrides, package: await stored(await versionPackage()) }))).rejects.toMatchObject({ code: 'invalid_package' });
    expect(await listSpaces(ctx, { org, kind: 'api_version' })).toEqual([]);
  });

  it('create_new imports into the smallest free numbered version, and its dry run names it', async () => {
    const org = await newOrg();
    await createApi(ctx, org, 'orders');
    await createVersion(ctx, org, 'orders', '1.0');
    await createVersion(ctx, org, 'orders', '1.01');
    const target = { orgId: org, apiName: 'orders', version: '1.0' };
    const plan = await startImport(ctx, request({ target, createNew: true, dryRun: true, package: { buffer: await versionPackage() } }));
    expect(plan.dryRun && plan.report.created_space).toEqual({ space_id: null, name: '1.02' });
    const { report } = await runImportNow(ctx, request({ target, createNew: true, package: await stored(await versionPackage()) }));
    expect(report.created_space?.name).toBe('1.02');
  });

  it('imports into a project, created when missing; create_new names "<project> <N>"', async () => {
    const org = await newOrg();
    const pkg = () => buildPackage('project', [{ type: 'Pipeline', name: 'p' }]);
    const target = { orgId: org, projectSpace: 'projects', project: 'etl' };
    await runImportNow(ctx, request({ target, package: await stored(await pkg()) }));
    const { report } = await runImportNow(ctx, request({ target, createNew: true, package: await stored(await pkg()) }));
    expect(report.created_space?.name).toBe('etl 1');
    expect((await listSpaces(ctx, { org, kind: 'project' })).map((s) => s.name).sort()).toEqual(['etl', 'etl 1']);
  });

  it('refuses an unknown API, and a version name the rules refuse, before reading the package', async () => {
    const org = await newOrg();
    await expect(startImport(ctx, request({ target: { orgId: org, apiName: 'nope', version: '1' }, dryRun: true, package: { buffer: Buffer.from('not a zip') } }))).rejects.toMatchObject({ code: 'not_found' });
    await createApi(ctx, org, 'orders');
    await expect(startImport(ctx, request({ target: { orgId: org, apiName: 'orders', version: 'a/b' }, dryRun: true, package: { buffer: await versionPackage() } }))).rejects.toMatchObject({ code: 'invalid_name' });
  });

  it('creating a version needs W on the API (or the org admin role); writing an existing one needs W on it', async () => {
    const org = await newOrg();
    await createApi(ctx, org, 'orders');
    const v = await createVersion(ctx, org, 'orders', '1.0');
    await createUser(ctx, { name: `member${n}`, password: 'member-password', org_roles: [{ org, role: 'member' }] });
    const m = await ctx.db.selectFrom('users').select(['id', 'name']).where('name', '=', `member${n}`).executeTakeFirstOrThrow();
    const member: ServiceContext = { ...ctx, principal: { userId: m.id, name: m.name, isAdmin: false } };
    await expect(startImport(member, request({ target: { orgId: org, apiName: 'orders', version: '2.0' }, dryRun: true, package: { buffer: await versionPackage() } }))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(startImport(member, request({ target: { spaceId: v.space_id }, dryRun: true, package: { buffer: await versionPackage() } }))).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('default policies', () => {
  it('a promotion replaces changed work and keeps each environment\'s accounts; the plan shows the policies', async () => {
    const org = await newOrg();
    await createApi(ctx, org, 'orders');
    const v = await createVersion(ctx, org, 'orders', '1.0');
    await createAsset(ctx, v.space_id, { type: 'Pipeline', name: 'p1', body: { v: 'old' } });
    await createAsset(ctx, v.space_id, { type: 'Account', name: 'db', body: { property_map: { settings: { user: { value: 'prod' } } } } });
    const pkg = await buildPackage('api_version', [{ type: 'Pipeline', name: 'p1', body: { v: 'new' } }, { type: 'Account', name: 'db', body: { property_map: { settings: { user: { value: 'dev' } } } } }]);
    const plan = await startImport(ctx, request({ target: { spaceId: v.space_id }, dryRun: true, package: { buffer: pkg } }));
    const report = plan.dryRun ? plan.report : undefined;
    expect(report?.policies).toMatchObject({ Pipeline: 'overwrite', Task: 'overwrite', File: 'overwrite', Flow: 'overwrite', Policy: 'overwrite', Account: 'keep' });
    expect(Object.fromEntries(report!.items.map((i) => [i.name, i.action]))).toEqual({ p1: 'update', db: 'keep' });
  });
});

describe('runImportNow', () => {
  it('runs the import as a job of the caller, SUCCEEDED when it answers', async () => {
    const org = await newOrg();
    const inst = await createInstance(ctx, org, 'dev');
    const pkg = await buildPackage('instance', [{ type: 'application', name: 'app1' }]);
    const { job } = await runImportNow(ctx, request({ target: { spaceId: inst.space_id }, package: await stored(pkg) }));
    const seen = await visibleJob(ctx, job!.id);
    expect(seen).toMatchObject({ kind: 'import', state: 'SUCCEEDED', space_id: inst.space_id, progress: 1, attempts: 1 });
  });

  it('throws the refusal with every reason; the job is FAILED and nothing is written', async () => {
    const org = await newOrg();
    const inst = await createInstance(ctx, org, 'dev');
    await createAsset(ctx, inst.space_id, { type: 'application', name: 'app1' });
    const pkg = await buildPackage('instance', [{ type: 'application', name: 'app1', body: { v: 2 } }]);
    const err = await runImportNow(ctx, request({ target: { spaceId: inst.space_id }, policy: { application: 'fail' }, package: await stored(pkg) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'conflict', details: { reasons: [{ code: 'plan.conflict', resource_name: 'app1' }] } });
    const jobs = await ctx.db.selectFrom('jobs').select(['state']).where('space_id', '=', inst.space_id).where('kind', '=', 'import').execute();
    expect(jobs.map((j) => j.state)).toEqual(['FAILED']);
    expect((await listAssets(ctx, inst.space_id, { limit: 10 })).items.map((a) => a.body)).toEqual([{}]);
  });
});

describe('exports', () => {
  it('exports an application with everything it owns, and a task with the data sources it refers to', async () => {
    const org = await newOrg();
    const inst = await createInstance(ctx, org, 'dev');
    const add = (type: string, name: string, refs: Array<{ type: string; name: string }> = []) => createAsset(ctx, inst.space_id, { type, name, refs });
    const app1 = await add('application', 'app1');
    await add('application', 'app2');
    await add('datasource', 'ds1', [{ type: 'application', name: 'app1' }]);
    await add('api', 'api1', [{ type: 'application', name: 'app1' }]);
    await add('api', 'api2', [{ type: 'application', name: 'app2' }]);
    await add('datasource', 'ds2');
    const task = await add('task', 'task1', [{ type: 'datasource', name: 'ds2' }]);
    const job = await startExport(ctx, { spaceId: inst.space_id, assetIds: [app1.id, task.id], withOwned: true, withReferences: true });
    await runQueued();
    const done = await visibleJob(ctx, job.id);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.result).toMatchObject({ asset_count: 5, counts: { application: 1, datasource: 2, api: 1, task: 1 } });
  });

  it('takes an archive by its id; with once, a second take is refused', async () => {
    const org = await newOrg();
    const inst = await createInstance(ctx, org, 'dev');
    await createAsset(ctx, inst.space_id, { type: 'application', name: 'app1' });
    const job = await startExport(ctx, { spaceId: inst.space_id });
    await runQueued();
    const archiveId = (await visibleJob(ctx, job.id)).output_blob_id!;
    expect((await takeArchive(ctx, archiveId, { once: false })).job.id).toBe(job.id);
    expect((await jobArchive(ctx, job.id)).size).toBeGreaterThan(0);
    const first = await takeArchive(ctx, archiveId, { once: true });
    const bytes: Buffer[] = [];
    for await (const c of first.stream) bytes.push(c);
    expect(Buffer.concat(bytes).subarray(0, 2).toString()).toBe('PK');
    await expect(takeArchive(ctx, archiveId, { once: true })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('already downloaded') });
    await expect(takeArchive(ctx, 'f'.repeat(32), { once: true })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an archive the retention sweep removed is refused as expired, and the job stays', async () => {
    const org = await newOrg();
    const inst = await createInstance(ctx, org, 'dev');
    await createAsset(ctx, inst.space_id, { type: 'application', name: 'app1' });
    const job = await startExport(ctx, { spaceId: inst.space_id });
    await runQueued();
    expect((await jobArchive(ctx, job.id)).size).toBeGreaterThan(0);
    await ctx.db.updateTable('jobs').set({ finished_at: new Date('2000-01-01T00:00:00Z') }).where('id', '=', job.id).execute();
    expect(await sweepArchives(ctx.db, new Date('2000-01-02T00:00:00Z'))).toBe(1);
    expect((await visibleJob(ctx, job.id)).state).toBe('SUCCEEDED');
    await expect(jobArchive(ctx, job.id)).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('ASSETPORT_RETAIN_ARCHIVES_HOURS') });
  });
});
