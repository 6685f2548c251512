/**
 * A dry run finds every account override the import would refuse (plan = apply), through
 * the native API as users call it: an override missing a settings field of the account it
 * is applied to, or naming another class_id, is a problem of the dry run and the import
 * alike, whether the account comes with the package or is only in the target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { snapshot } from '../helpers/fixtures.js';
import { buildPackage, type TestAsset } from '../helpers/packages.js';
import { newAssetId } from '../../src/core/ids.js';

type J = Record<string, unknown>;

const CLASS = 'com.snaplogic.mysql';
const stored = { class_id: CLASS, property_map: { info: { label: { value: 'db' } }, settings: { user: { value: 'app' }, password: { value: 'stored-pw' } } } };

/** The override as a user writes it: the account's snode_id, and settings shaped as exported. */
const override = (id: string, defect: 'missing_field' | 'class_id') => ({
  accounts: [
    {
      snode_id: id,
      name: 'db',
      class_id: defect === 'class_id' ? 'com.snaplogic.postgres' : CLASS,
      property_map: { settings: defect === 'missing_field' ? { password: { value: 'new-pw' } } : { user: { value: 'ops' }, password: { value: 'new-pw' } } },
    },
  ],
});

const expected: Record<'missing_field' | 'class_id', string> = {
  missing_field: "settings field 'user' is missing",
  class_id: 'class_id does not match',
};

describe('account overrides: the dry run refuses what the import refuses', () => {
  let s: TestApp;
  let n = 0;
  const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_JOB_MAX_ATTEMPTS: '1' }, { worker: true });
    await call('POST', '/api/v1/orgs', { json: { name: 'acme' } });
  });
  afterAll(() => s.close());

  const newVersion = async (): Promise<string> => {
    const api = `api${++n}`;
    await call('POST', '/api/v1/orgs/acme/apis', { json: { name: api } });
    return (await call('POST', `/api/v1/orgs/acme/apis/${api}/versions`, { json: { name: '1.0' } })).body.space_id as string;
  };

  /**
   * Where the account is: only in the package (created), in the package and the target
   * (kept: the override updates the stored one), only in the target (matched by its id).
   */
  const setups: Record<string, (space: string) => Promise<{ assets: TestAsset[]; accountId: string }>> = {
    'in the package': async () => {
      const id = newAssetId();
      return { assets: [{ id, type: 'Account', name: 'db', body: stored }], accountId: id };
    },
    'in the package and the target': async (space) => {
      await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Account', name: 'db', body: stored } });
      const id = newAssetId();
      return { assets: [{ id, type: 'Account', name: 'db', body: stored }], accountId: id };
    },
    'only in the target': async (space) => {
      const acc = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Account', name: 'db', body: stored } });
      return { assets: [], accountId: acc.body.id as string };
    },
  };

  const cases = Object.keys(setups).flatMap((where) => (['missing_field', 'class_id'] as const).map((defect) => [where, defect] as const));

  it.each(cases)('account %s, override with %s', async (where, defect) => {
    const space = await newVersion();
    const { assets, accountId } = await setups[where]!(space);
    const pkg = await buildPackage('api_version', [...assets, { type: 'Pipeline', name: 'load', body: { v: 1 }, refs: [{ type: 'Account', name: 'db' }] }]);
    const accounts = override(accountId, defect);
    const before = await snapshot(s.url, s.adminToken, space);

    const dry = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { body: multipart({ package: pkg }, { accounts }) });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body.ok).toBe(false);
    expect((dry.body.problems as J[]).map((p) => p.code)).toEqual(['override_invalid']);
    expect((dry.body.problems as J[])[0]!.message).toContain(expected[defect]);

    const r = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }, { accounts }) });
    expect(r.status, r.text).toBe(202);
    const job = await waitJob(s.url, s.adminToken, r.body.job_id as string);
    expect(job.state).toBe('FAILED');
    expect((job.reasons as J[]).map((x) => x.code)).toEqual(['plan.override_invalid']);
    expect(await snapshot(s.url, s.adminToken, space)).toEqual(before);
    expect(JSON.stringify(dry.body) + JSON.stringify(job)).not.toContain('new-pw');
  });

  it('the same override, shaped as the stored account, passes both', async () => {
    const space = await newVersion();
    const acc = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Account', name: 'db', body: stored } });
    const pkg = await buildPackage('api_version', [{ type: 'Pipeline', name: 'load', body: { v: 1 }, refs: [{ type: 'Account', name: 'db' }] }]);
    const accounts = { accounts: [{ snode_id: acc.body.id, name: 'db', class_id: CLASS, property_map: { settings: { user: { value: 'ops' }, password: { value: 'new-pw' } } } }] };
    const dry = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { body: multipart({ package: pkg }, { accounts }) });
    expect(dry.body).toMatchObject({ ok: true, account_updates: [{ asset_id: acc.body.id, fields: ['password', 'user'] }] });
    const r = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }, { accounts }) });
    const job = await waitJob(s.url, s.adminToken, r.body.job_id as string);
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    const after = await snapshot(s.url, s.adminToken, space);
    expect((after['Account/db']!.body as typeof stored).property_map.settings.user).toEqual({ value: 'ops' });
  });

  const storedAccount = async (space: string) => {
    const row = await s.t.database.db.selectFrom('assets').select('body').where('space_id', '=', space).where('type', '=', 'Account').executeTakeFirstOrThrow();
    const settings = (row.body as typeof stored).property_map.settings;
    return { user: settings.user.value, password: s.keyring.decrypt(settings.password.value) };
  };

  it("an override by the id of a target account that the package's account replaces is applied to what is written, and checked", async () => {
    const space = await newVersion();
    const acc = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Account', name: 'db', body: stored } });
    const pkg = await buildPackage('api_version', [{ type: 'Account', name: 'db', body: { ...stored, property_map: { ...stored.property_map, settings: { user: { value: 'pkg' }, password: { value: 'pkg-pw' } } } } }]);
    const entry = (classId: string) => ({ accounts: [{ snode_id: acc.body.id, name: 'db', class_id: classId, property_map: { settings: { user: { value: 'ops' }, password: { value: 'new-pw' } } } }] });

    const wrong = entry('com.snaplogic.postgres');
    const dry = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true&policy=Account:overwrite`, { body: multipart({ package: pkg }, { accounts: wrong }) });
    expect(dry.body).toMatchObject({ ok: false, problems: [{ code: 'override_invalid' }] });
    const refused = await waitJob(s.url, s.adminToken, (await call('POST', `/api/v1/spaces/${space}/imports?policy=Account:overwrite`, { body: multipart({ package: pkg }, { accounts: wrong }) })).body.job_id as string);
    expect(refused.state).toBe('FAILED');

    const right = entry(CLASS);
    const ok = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true&policy=Account:overwrite`, { body: multipart({ package: pkg }, { accounts: right }) });
    expect(ok.body).toMatchObject({ ok: true, items: [{ action: 'update', asset_id: acc.body.id }] });
    const job = await waitJob(s.url, s.adminToken, (await call('POST', `/api/v1/spaces/${space}/imports?policy=Account:overwrite`, { body: multipart({ package: pkg }, { accounts: right }) })).body.job_id as string);
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    expect(await storedAccount(space)).toEqual({ user: 'ops', password: 'new-pw' });
  });

  it("overrides by the package account's id and by the target account's id for one kept account are all checked and applied in turn", async () => {
    const space = await newVersion();
    const acc = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Account', name: 'db', body: stored } });
    const pkgId = newAssetId();
    const pkg = await buildPackage('api_version', [{ id: pkgId, type: 'Account', name: 'db', body: stored }]);
    const entry = (id: string, user: string, classId = CLASS) => ({ snode_id: id, name: 'db', class_id: classId, property_map: { settings: { user: { value: user }, password: { value: `${user}-pw` } } } });

    const wrong = { accounts: [entry(pkgId, 'first'), entry(acc.body.id as string, 'second', 'com.snaplogic.postgres')] };
    const dry = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { body: multipart({ package: pkg }, { accounts: wrong }) });
    expect(dry.body).toMatchObject({ ok: false, problems: [{ code: 'override_invalid' }] });
    const refused = await waitJob(s.url, s.adminToken, (await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }, { accounts: wrong }) })).body.job_id as string);
    expect(refused.state).toBe('FAILED');

    const right = { accounts: [entry(pkgId, 'first'), entry(acc.body.id as string, 'second')] };
    const ok = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { body: multipart({ package: pkg }, { accounts: right }) });
    expect(ok.body).toMatchObject({ ok: true, items: [{ action: 'keep' }], account_updates: [{ asset_id: acc.body.id }] });
    const job = await waitJob(s.url, s.adminToken, (await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }, { accounts: right }) })).body.job_id as string);
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    expect(await storedAccount(space)).toEqual({ user: 'second', password: 'second-pw' });
  });
});
