/**
 * The use cases the SnapLogic door added to the seam, driven with core-typed requests:
 * an import that refuses an existing target, grants on an API inherited by its versions
 * (and by versions an import creates), the synchronous export with its size limit, and
 * migrate, synchronous and queued.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { ImportRequest } from '../../src/core/transfer-requests.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { createAsset, listAssets } from '../../src/service/assets.js';
import type { ServiceContext } from '../../src/service/context.js';
import { runExportNow } from '../../src/service/exports.js';
import { runImportNow } from '../../src/service/imports.js';
import { runMigrateNow, startMigrate } from '../../src/service/migrations.js';
import { createOrg } from '../../src/service/orgs.js';
import { createApi, createProject, createVersion, getVersion, grantOnApi } from '../../src/service/spaces.js';
import { bootstrapAdmin, createUser } from '../../src/service/users.js';
import { writeBlob } from '../../src/store/blobs.js';
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
const pkg = () => buildPackage('api_version', [{ type: 'Pipeline', name: 'p1', body: { v: 1 } }]);
const blobCount = async () => Number((await ctx.db.selectFrom('blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('refuseExisting', () => {
  it('an existing target refuses the whole import as a conflict; a missing one is created', async () => {
    const org = (await createOrg(ctx, `org${++n}`)).id;
    await createApi(ctx, org, 'A');
    const target = { orgId: org, apiName: 'A', version: '1.0' };
    const { report } = await runImportNow(ctx, request({ target, refuseExisting: true, package: await stored(await pkg()) }));
    expect(report.created_space).toMatchObject({ name: '1.0' });
    const blobs = await blobCount();
    const err = await runImportNow(ctx, request({ target, refuseExisting: true, package: await stored(await pkg()) })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'conflict', message: "The API version 'A/1.0' already exists; nothing was written.", details: { exists: 'A/1.0' } });
    // The refused upload is gone; create_new still makes a numbered copy.
    expect(await blobCount()).toBe(blobs);
    const copy = await runImportNow(ctx, request({ target, refuseExisting: true, createNew: true, package: await stored(await pkg()) }));
    expect(copy.report.created_space).toMatchObject({ name: '1.01' });
  });
});

describe('grants on an API', () => {
  it('are inherited by its versions, including versions an import creates; R alone may not create one', async () => {
    const org = (await createOrg(ctx, `org${++n}`)).id;
    await createApi(ctx, org, 'A');
    await createVersion(ctx, org, 'A', '1.0');
    for (const [name, perms] of [['w', 'RW'], ['r', 'R']] as const) {
      await createUser(ctx, { name: `${name}${n}`, password: 'password-123' });
      await grantOnApi(ctx, org, 'A', { user: `${name}${n}`, perms });
    }
    const as = async (name: string): Promise<ServiceContext> => {
      const u = await ctx.db.selectFrom('users').select(['id', 'name']).where('name', '=', name).executeTakeFirstOrThrow();
      return { ...ctx, principal: { userId: u.id, name: u.name, isAdmin: false } };
    };
    const writer = await as(`w${n}`);
    const reader = await as(`r${n}`);
    expect((await getVersion(reader, org, 'A', '1.0')).name).toBe('1.0');
    await runImportNow(writer, request({ target: { orgId: org, apiName: 'A', version: '2.0' }, package: await stored(await pkg()) }));
    await runImportNow(writer, request({ target: { orgId: org, apiName: 'A', version: '2.0' }, policy: { Pipeline: 'overwrite' }, package: await stored(await pkg()) }));
    await expect(runImportNow(reader, request({ target: { orgId: org, apiName: 'A', version: '3.0' }, package: await stored(await pkg()) }))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(runImportNow(reader, request({ target: { orgId: org, apiName: 'A', version: '1.0' }, package: await stored(await pkg()) }))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(grantOnApi(writer, org, 'A', { user: `r${n}`, perms: 'RW' })).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('runExportNow and migrate', () => {
  it('exports in the request; past maxBytes the archive is removed and refused', async () => {
    const org = (await createOrg(ctx, `org${++n}`)).id;
    await createApi(ctx, org, 'A');
    const v = await createVersion(ctx, org, 'A', '1.0');
    await createAsset(ctx, v.space_id, { type: 'Policy', name: 'p', body: { x: 'y'.repeat(2000) } });
    const a = await runExportNow(ctx, { spaceId: v.space_id });
    expect(a.size).toBeGreaterThan(100);
    expect(a.job.state).toBe('SUCCEEDED');
    const blobs = await blobCount();
    await expect(runExportNow(ctx, { spaceId: v.space_id }, { maxBytes: 100 })).rejects.toMatchObject({ code: 'payload_too_large', details: { limit: 100 } });
    expect(await blobCount()).toBe(blobs);
  });

  it('migrates a project into another org in one job, and queues one to run elsewhere', async () => {
    const [from, to] = [(await createOrg(ctx, `org${++n}`)).id, (await createOrg(ctx, `org${++n}`)).id];
    const p = await createProject(ctx, from, 'Team', 'etl');
    await createAsset(ctx, p.space_id, { type: 'Pipeline', name: 'load', body: {} });
    await createAsset(ctx, p.space_id, { type: 'Policy', name: 'limit', body: {} });
    const { job, report } = await runMigrateNow(ctx, { sourceSpaceId: p.space_id, types: ['Pipeline'], target: { orgId: to, projectSpace: 'Team', project: 'etl' }, policy: {}, createNew: false });
    expect(job.kind).toBe('migrate');
    expect(report.items.map((i) => `${i.type}/${i.name}/${i.action}`)).toEqual(['Pipeline/load/create']);
    const blobs = await blobCount();
    await expect(runMigrateNow(ctx, { sourceSpaceId: p.space_id, target: { orgId: to, projectSpace: 'Team', project: 'etl' }, policy: {}, createNew: false, refuseExisting: true })).rejects.toMatchObject({ code: 'conflict' });
    expect(await blobCount()).toBe(blobs);
    const target = report.space_id!;
    expect((await listAssets(ctx, target, {})).items.map((a) => a.name)).toEqual(['load']);
    const queued = await startMigrate(ctx, { sourceSpaceId: p.space_id, target: { orgId: to, projectSpace: 'Team', project: 'etl' }, policy: {}, createNew: true });
    expect([queued.kind, queued.state]).toEqual(['migrate', 'QUEUED']);
  });
});
