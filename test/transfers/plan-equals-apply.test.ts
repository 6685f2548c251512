/**
 * Plan = apply, as a property: over generated packages, target states, account overrides
 * and options, a dry run's verdict is the import's. The dry run is `ok` exactly when the
 * import SUCCEEDS; it reports the same items (action, name, renamed_from, status, failed, warnings), the
 * same problems and the same account updates; a refused import leaves the target exactly
 * as it was; and a SUCCEEDED import carries every override it was given on the account the
 * override matched. Driven through the service use cases (startImport with dryRun, then
 * runImportNow), each run in a fresh space. fast-check prints the seed and the shrunk case
 * of a failure; PLAN_APPLY_SEED and PLAN_APPLY_RUNS replay or widen a run.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetType, ConflictPolicy } from '../../src/core/asset-types.js';
import { DomainError } from '../../src/core/errors.js';
import { newAssetId } from '../../src/core/ids.js';
import type { ImportRequest } from '../../src/core/transfer-requests.js';
import { loadConfig } from '../../src/config/config.js';
import { parseAccountOverrides } from '../../src/jobs/import-prepare.js';
import type { ImportReport } from '../../src/jobs/import-result.js';
import { KeyRing, keyIdOf } from '../../src/secrets/key-ring.js';
import { createAsset } from '../../src/service/assets.js';
import type { ServiceContext } from '../../src/service/context.js';
import { runImportNow, startImport } from '../../src/service/imports.js';
import { createOrg } from '../../src/service/orgs.js';
import { createApi, createInstance, createVersion } from '../../src/service/spaces.js';
import { bootstrapAdmin } from '../../src/service/users.js';
import { writeBlob } from '../../src/store/blobs.js';
import { findUserByName } from '../../src/store/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { buildPackage, type TestAsset } from '../helpers/packages.js';

type Side = 'snaplogic' | 'roma';

const TYPES: Record<Side, readonly AssetType[]> = { snaplogic: ['Account', 'File', 'Pipeline', 'Task', 'Policy'], roma: ['application', 'datasource', 'task', 'api'] };
/** The type account overrides apply to. */
const ACCOUNT: Record<Side, AssetType> = { snaplogic: 'Account', roma: 'datasource' };
/** What each type may refer to, of the types generated. */
const REFERS: Partial<Record<AssetType, readonly AssetType[]>> = {
  Pipeline: ['Account', 'File', 'Pipeline'],
  Task: ['Pipeline'],
  datasource: ['application'],
  task: ['datasource'],
  api: ['application', 'datasource'],
};
/** Few names, so package and target collide often and references resolve or not. */
const NAMES = ['a', 'b', 'c'] as const;
const CLASSES = ['com.snaplogic.mysql', 'com.snaplogic.postgres'] as const;
const POLICIES: readonly ConflictPolicy[] = ['fail', 'keep', 'overwrite', 'skip-as-failed'];

interface GenAccount {
  cls: number;
  /** 0: settings {user, password}; 1: {user, password, host}. */
  shape: number;
  /** The secret as plain text, sealed with this deployment's key, or with a key it does not hold. */
  secret: 'plain' | 'ours' | 'foreign';
  value: number;
}

interface GenAsset {
  type: AssetType;
  name: string;
  variant: number;
  account: GenAccount;
  status: 'enabled' | 'disabled';
  refs: Array<{ pick: number; name: string }>;
  /** Package assets: take the id of the target's asset of the same type and name (re-import). */
  sameId: boolean;
}

interface GenOverride {
  match: 'package' | 'target' | 'other' | 'none';
  pick: number;
  classId: 'same' | 'other' | 'absent';
  fields: 'exact' | 'missing' | 'extra' | 'empty';
  maskPassword: boolean;
}

interface GenCase {
  side: Side;
  target: GenAsset[];
  pkg: GenAsset[];
  overrides: GenOverride[];
  policy: Partial<Record<AssetType, ConflictPolicy>>;
  prefix: { value: string; types: AssetType[] } | undefined;
  createNew: boolean;
}

const assetArb = (side: Side): fc.Arbitrary<GenAsset> =>
  fc.record({
    // Accounts more often than the rest: overrides are where plan and apply can part.
    type: fc.oneof({ arbitrary: fc.constant(ACCOUNT[side]), weight: 3 }, { arbitrary: fc.constantFrom(...TYPES[side]), weight: 4 }),
    name: fc.constantFrom(...NAMES),
    variant: fc.integer({ min: 0, max: 1 }),
    account: fc.record({ cls: fc.integer({ min: 0, max: 1 }), shape: fc.integer({ min: 0, max: 1 }), secret: fc.constantFrom('plain' as const, 'ours' as const, 'foreign' as const), value: fc.integer({ min: 0, max: 1 }) }),
    status: fc.constantFrom('enabled' as const, 'disabled' as const),
    refs: fc.array(fc.record({ pick: fc.nat(5), name: fc.constantFrom(...NAMES) }), { maxLength: 2 }),
    sameId: fc.boolean(),
  });

const assetsArb = (side: Side, minLength: number) => fc.uniqueArray(assetArb(side), { selector: (a) => `${a.type}/${a.name}`, minLength, maxLength: 5 });

const overrideArb: fc.Arbitrary<GenOverride> = fc.record({
  match: fc.oneof({ arbitrary: fc.constant('package' as const), weight: 3 }, { arbitrary: fc.constant('target' as const), weight: 3 }, { arbitrary: fc.constant('other' as const), weight: 1 }, { arbitrary: fc.constant('none' as const), weight: 1 }),
  pick: fc.nat(5),
  classId: fc.oneof({ arbitrary: fc.constant('same' as const), weight: 4 }, { arbitrary: fc.constant('other' as const), weight: 1 }, { arbitrary: fc.constant('absent' as const), weight: 1 }),
  fields: fc.oneof({ arbitrary: fc.constant('exact' as const), weight: 5 }, { arbitrary: fc.constant('missing' as const), weight: 1 }, { arbitrary: fc.constant('extra' as const), weight: 1 }, { arbitrary: fc.constant('empty' as const), weight: 1 }),
  maskPassword: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
});

const caseArb: fc.Arbitrary<GenCase> = fc.constantFrom<Side>('snaplogic', 'roma').chain((side) =>
  fc.record({
    side: fc.constant(side),
    target: assetsArb(side, 0),
    pkg: assetsArb(side, 1),
    overrides: fc.array(overrideArb, { maxLength: 2 }),
    policy: fc.tuple(...TYPES[side].map(() => fc.option(fc.constantFrom(...POLICIES), { nil: undefined }))).map((ps) => Object.fromEntries(TYPES[side].flatMap((t, i) => (ps[i] ? [[t, ps[i]] as const] : []))) as GenCase['policy']),
    prefix: fc.option(fc.record({ value: fc.constantFrom('p_', 'p_', '#'), types: fc.subarray([...TYPES[side]], { minLength: 1 }) }), { nil: undefined, freq: 3 }),
    createNew: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
  }),
);

/** What a report says, without what only the import can know (new ids, timings, the space). */
function verdict(r: ImportReport) {
  return {
    ok: r.ok,
    summary: r.summary,
    items: r.items.map((i) => ({ source_id: i.source_id, type: i.type, name: i.name, source_name: i.source_name, renamed_from: i.renamed_from, action: i.action, status: i.status, failed: i.failed, warnings: i.warnings })),
    warnings: r.warnings,
    problems: r.problems,
    account_updates: r.account_updates,
  };
}

type Settings = Record<string, { value?: unknown } | undefined>;
const settingsOf = (body: unknown): Settings => ((body as { property_map?: { settings?: Settings } } | null)?.property_map?.settings ?? {});

describe('plan = apply', () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  const foreign = KeyRing.fromMasterKeys([randomBytes(32)]);
  let run = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    const keyring = KeyRing.fromMasterKeys([randomBytes(32)]);
    const config = loadConfig({ ASSETPORT_DATA_DIR: '/nonexistent-test-dir', LOG_LEVEL: 'silent', ASSETPORT_JOB_MAX_ATTEMPTS: '1' });
    await bootstrapAdmin(t.database.db, 'admin', 'admin-password-1');
    const admin = (await findUserByName(t.database.db, 'admin'))!;
    ctx = { db: t.database.db, keyring, config, principal: { userId: admin.id, name: admin.name, isAdmin: true } };
    await createOrg(ctx, 'pa');
  });
  afterAll(() => t.drop());

  /** Sealed secrets made once, so equal package and target bodies are byte-equal. */
  const sealed = new Map<string, string>();
  const secretField = (a: GenAccount): Record<string, unknown> => {
    if (a.secret === 'plain') return { value: `pw${a.value}` };
    const key = `${a.secret}${a.value}`;
    let c = sealed.get(key);
    if (!c) sealed.set(key, (c = (a.secret === 'ours' ? ctx.keyring : foreign).encrypt(`pw${a.value}`)));
    return { value: c, encrypted: true, key_id: keyIdOf(c) };
  };

  const bodyOf = (side: Side, a: GenAsset): unknown => {
    if (a.type !== ACCOUNT[side]) return { v: a.variant, kind: a.type };
    const settings: Record<string, unknown> = { user: { value: `user${a.variant}` }, password: secretField(a.account) };
    if (a.account.shape === 1) settings.host = { value: 'db.internal' };
    return { class_id: CLASSES[a.account.cls], property_map: { info: { label: { value: a.name } }, settings } };
  };

  const refsOf = (a: GenAsset): Array<{ type: AssetType; name: string }> => {
    const allowed = REFERS[a.type] ?? [];
    if (allowed.length === 0) return [];
    const refs = a.refs.map((r) => ({ type: allowed[r.pick % allowed.length]!, name: r.name }));
    return refs.filter((r, i) => !refs.slice(0, i).some((x) => x.type === r.type && x.name === r.name));
  };

  const asTestAsset = (side: Side, a: GenAsset): TestAsset =>
    a.type === 'File' ? { type: a.type, name: a.name, status: a.status, content: Buffer.from(['', 'x', 'yy'][a.variant]!) } : { type: a.type, name: a.name, status: a.status, body: bodyOf(side, a), refs: refsOf(a) };

  /** Everything an import may change: the target's assets and revisions, and the spaces. */
  const stateOf = async (spaceId: string) => {
    const db = t.database.db;
    return {
      assets: await db.selectFrom('assets').select(['id', 'type', 'name', 'body', 'sha256', 'status', 'refs', 'revision']).where('space_id', '=', spaceId).orderBy('id').execute(),
      revisions: await db.selectFrom('asset_revisions').select(['asset_id', 'revision']).where('space_id', '=', spaceId).orderBy('asset_id').orderBy('revision').execute(),
      spaces: (await db.selectFrom('spaces').select('id').execute()).length,
    };
  };

  const attempt = async <T,>(f: () => Promise<T>): Promise<{ value: T } | { error: DomainError }> => {
    try {
      return { value: await f() };
    } catch (e) {
      if (e instanceof DomainError) return { error: e };
      throw e;
    }
  };

  const check = async (c: GenCase): Promise<void> => {
    const n = ++run;
    const kind = c.side === 'roma' ? 'instance' : 'api_version';
    let spaceId: string;
    if (c.side === 'roma') spaceId = (await createInstance(ctx, 'pa', `i${n}x`)).space_id;
    else {
      await createApi(ctx, 'pa', `api${n}`);
      spaceId = (await createVersion(ctx, 'pa', `api${n}`, '1.0')).space_id;
    }

    // The target's state.
    const targetIds = new Map<string, string>();
    const targetBodies = new Map<string, unknown>();
    for (const a of c.target) {
      const ta = asTestAsset(c.side, a);
      const created = await createAsset(ctx, spaceId, { type: ta.type, name: ta.name, status: ta.status, refs: ta.refs, ...(ta.content ? { content_base64: ta.content.toString('base64') } : { body: ta.body }) });
      targetIds.set(`${a.type}/${a.name}`, created.id);
      targetBodies.set(created.id, ta.body);
    }

    // The package, its ids taken from the target where asked (a re-import).
    const pkgAssets = c.pkg.map((a) => ({ gen: a, asset: { ...asTestAsset(c.side, a), id: (a.sameId && targetIds.get(`${a.type}/${a.name}`)) || newAssetId() } }));
    const keyIds = [...new Set([...sealed.values()].map((v) => keyIdOf(v)!))];
    const buffer = await buildPackage(kind, pkgAssets.map((p) => p.asset), { keyIds });

    // Account overrides, matched to package or target assets as generated.
    const accountType = ACCOUNT[c.side];
    const pkgAccounts = pkgAssets.filter((p) => p.gen.type === accountType).map((p) => ({ id: p.asset.id!, body: p.asset.body }));
    const targetAccounts = c.target.filter((a) => a.type === accountType).map((a) => {
      const id = targetIds.get(`${a.type}/${a.name}`)!;
      return { id, body: targetBodies.get(id) };
    });
    const others = [...pkgAssets.filter((p) => p.gen.type !== accountType).map((p) => p.asset.id!), ...c.target.filter((a) => a.type !== accountType).map((a) => targetIds.get(`${a.type}/${a.name}`)!)];
    const raw = c.overrides.map((o, i) => {
      // An account of the side asked for, else of the other one; unmatched only when neither has one.
      const pool = o.match === 'package' ? (pkgAccounts.length ? pkgAccounts : targetAccounts) : o.match === 'target' ? (targetAccounts.length ? targetAccounts : pkgAccounts) : [];
      const matched = pool.length ? pool[o.pick % pool.length] : undefined;
      const id = matched?.id ?? (o.match === 'other' && others.length ? others[o.pick % others.length]! : newAssetId());
      const stored = settingsOf(matched?.body);
      const keys = o.fields === 'empty' ? [] : Object.keys(stored).length ? Object.keys(stored) : ['user', 'password'];
      const fields = o.fields === 'missing' ? keys.filter((k) => k !== 'user') : o.fields === 'extra' ? [...keys, 'port'] : keys;
      const settings = Object.fromEntries(fields.map((k) => [k, { value: k === 'password' ? (o.maskPassword ? '******' : `override-pw${i}`) : `${k}-override${i}` }]));
      const storedClass = (matched?.body as { class_id?: string } | undefined)?.class_id ?? CLASSES[0];
      const classId = o.classId === 'same' ? storedClass : o.classId === 'other' ? CLASSES.find((x) => x !== storedClass) : undefined;
      return { snode_id: id, name: `acc${i}`, ...(classId ? { class_id: classId } : {}), property_map: { settings } };
    });
    const overrides = parseAccountOverrides(raw);

    const base: Omit<ImportRequest, 'dryRun' | 'package'> = { target: { spaceId }, policy: c.policy, ...(c.prefix ? { prefix: c.prefix } : {}), createNew: c.createNew, overrides };
    const before = await stateOf(spaceId);

    const dry = await attempt(async () => {
      const s = await startImport(ctx, { ...base, dryRun: true, package: { buffer } });
      if (!s.dryRun) throw new Error('a dry run started a job');
      return s.report;
    });
    expect(await stateOf(spaceId), 'the dry run wrote nothing').toEqual(before);

    const blob = await writeBlob(ctx.db, Readable.from([buffer]), { maxBytes: ctx.config.limits.uploadBytes });
    const real = await attempt(() => runImportNow(ctx, { ...base, dryRun: false, package: { blobId: blob.id } }));

    const refusedReport = 'error' in real ? (real.error.details?.result as ImportReport | undefined) : undefined;
    if ('error' in dry) {
      // Refused before planning (the package does not fit the space, say): so is the import.
      expect('error' in real ? real.error.code : 'SUCCEEDED').toBe(dry.error.code);
    } else {
      const plan = dry.value;
      const outcome = 'error' in real ? `refused (${real.error.code}): ${real.error.message}` : 'SUCCEEDED';
      if (plan.ok) expect(outcome, 'the dry run was ok').toBe('SUCCEEDED');
      else expect(outcome, `the dry run found: ${plan.problems.map((p) => p.message).join(' ')}`).toMatch(/^refused/);
      const report = 'error' in real ? refusedReport : real.value.report;
      expect(report, 'a plan refusal carries its report').toBeDefined();
      expect(verdict(report!)).toEqual(verdict(plan));
      if (plan.ok && c.createNew) expect(report!.created_space?.name).toBe(plan.created_space?.name);
    }

    if ('error' in real) {
      expect(await stateOf(spaceId), 'a refused import leaves the target as it was').toEqual(before);
      return;
    }

    // Every override the import was given is on the account it matched (unless that
    // account was reported failed and left as it is).
    const report = real.value.report;
    const written = report.space_id!;
    const rows = await ctx.db.selectFrom('assets').select(['id', 'type', 'name', 'body']).where('space_id', '=', written).execute();
    const landed = new Map<string, number[]>(); // asset id → overrides applied to it
    raw.forEach((o, i) => {
      const item = report.items.find((x) => x.source_id === o.snode_id) ?? report.items.find((x) => x.asset_id === o.snode_id && x.type === accountType);
      if (item?.failed) return;
      const row = item ? rows.find((r) => r.type === item.type && r.name === item.name) : rows.find((r) => r.id === o.snode_id);
      expect(row, `override ${i} matched an account`).toBeDefined();
      landed.set(row!.id, [...(landed.get(row!.id) ?? []), i]);
    });
    for (const [id, applied] of landed) {
      const settings = settingsOf(rows.find((r) => r.id === id)!.body);
      // Of several overrides for one account, the one applied last shows.
      const shown = applied.find((i) => settings.user?.value === `user-override${i}`);
      expect(shown, `account ${id} carries override ${applied.join(' or ')}`).toBeDefined();
      if (!c.overrides[shown!]!.maskPassword) expect(ctx.keyring.decrypt(String(settings.password?.value))).toBe(`override-pw${shown!}`);
    }
  };

  it('a dry run is ok exactly when its import succeeds, and reports what the import does', async () => {
    const seed = process.env.PLAN_APPLY_SEED ? Number(process.env.PLAN_APPLY_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => check(c)),
      { numRuns: Number(process.env.PLAN_APPLY_RUNS ?? 50), ...(seed !== undefined ? { seed } : {}) },
    );
  }, 600_000);
});
