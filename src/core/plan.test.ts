import { describe, expect, it } from 'vitest';
import type { AssetType, ConflictPolicy } from './asset-types.js';
import {
  plan,
  policyFor,
  romaPolicy,
  snapLogicPolicy,
  type AccountOverride,
  type AssetRef,
  type PlanAction,
  type PlanInput,
  type PlanItem,
  type PlanSourceAsset,
  type PlanTargetAsset,
} from './plan.js';

// ---------------------------------------------------------------- helpers

type SrcOpts = Partial<Omit<PlanSourceAsset, 'type' | 'name'>>;
type TgtOpts = Partial<Omit<PlanTargetAsset, 'type' | 'name'>>;

const ref = (type: AssetType, name: string): AssetRef => ({ type, name });

function src(type: AssetType, name: string, o: SrcOpts = {}): PlanSourceAsset {
  return { id: `s-${type}-${name}`, type, name, sha256: `sha-${type}-${name}`, status: 'enabled', refs: [], ...o };
}

function tgt(type: AssetType, name: string, o: TgtOpts = {}): PlanTargetAsset {
  return { id: `t-${type}-${name}`, type, name, sha256: `sha-${type}-${name}`, status: 'enabled', refs: [], revision: 3, ...o };
}

function sl(source: PlanSourceAsset[], target: PlanTargetAsset[], extra: Partial<PlanInput> = {}): PlanInput {
  return { side: 'snaplogic', source, target, ...extra };
}

function roma(source: PlanSourceAsset[], target: PlanTargetAsset[], extra: Partial<PlanInput> = {}): PlanInput {
  return { side: 'roma', source, target, ...extra };
}

function only(items: PlanItem[], type: AssetType, name: string): PlanItem {
  const found = items.filter((i) => i.type === type && i.name === name);
  expect(found).toHaveLength(1);
  return found[0] as PlanItem;
}

/** Deterministic shuffle (mulberry32), so the test itself is reproducible. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

// ---------------------------------------------------------------- policy × situation

type Situation = 'absent' | 'identical' | 'different' | 'status-only' | 'refs-only';

/** A Pipeline "p" in the package referring to Account "db"; the target holds "db", "db2" and maybe "p". */
function situation(s: Situation, policy: ConflictPolicy): PlanInput {
  const source = [src('Pipeline', 'p', { refs: [ref('Account', 'db')] })];
  const target = [tgt('Account', 'db'), tgt('Account', 'db2')];
  const base = { id: 'target-p', sha256: 'sha-Pipeline-p', status: 'enabled' as const, refs: [ref('Account', 'db')], revision: 7 };
  switch (s) {
    case 'absent':
      break;
    case 'identical':
      target.push(tgt('Pipeline', 'p', base));
      break;
    case 'different':
      target.push(tgt('Pipeline', 'p', { ...base, sha256: 'other' }));
      break;
    case 'status-only':
      target.push(tgt('Pipeline', 'p', { ...base, status: 'disabled' }));
      break;
    case 'refs-only':
      target.push(tgt('Pipeline', 'p', { ...base, refs: [ref('Account', 'db2')] }));
      break;
  }
  return sl(source, target, { policy: { Pipeline: policy } });
}

interface Expected {
  action: PlanAction;
  status: 'enabled' | 'disabled';
  blocking?: true;
  failed?: true;
}

const DIFFERENT: Record<ConflictPolicy, (targetStatus: 'enabled' | 'disabled') => Expected> = {
  fail: (s) => ({ action: 'conflict', status: s, blocking: true }),
  'fail-if-exists': (s) => ({ action: 'conflict', status: s, blocking: true }),
  'skip-as-failed': (s) => ({ action: 'skip', status: s, failed: true }),
  keep: (s) => ({ action: 'keep', status: s }),
  overwrite: () => ({ action: 'update', status: 'enabled' }),
};

const TABLE: [Situation, ConflictPolicy, Expected][] = [];
for (const p of ['fail', 'fail-if-exists', 'skip-as-failed', 'keep', 'overwrite'] as const) {
  TABLE.push(['absent', p, { action: 'create', status: 'enabled' }]);
  TABLE.push(['identical', p, p === 'skip-as-failed' ? { action: 'skip', status: 'enabled', failed: true } : p === 'fail-if-exists' ? { action: 'conflict', status: 'enabled', blocking: true } : { action: 'unchanged', status: 'enabled' }]);
  TABLE.push(['different', p, DIFFERENT[p]('enabled')]);
  TABLE.push(['status-only', p, DIFFERENT[p]('disabled')]);
  TABLE.push(['refs-only', p, DIFFERENT[p]('enabled')]);
}

describe('plan: policy × situation', () => {
  it('covers 25 combinations', () => {
    expect(TABLE).toHaveLength(25);
  });

  it.each(TABLE)('%s under %s', (s, policy, exp) => {
    const result = plan(situation(s, policy));
    expect(result.items).toHaveLength(1);
    const item = result.items[0] as PlanItem;
    expect(item.action).toBe(exp.action);
    expect(item.status).toBe(exp.status);
    expect(item.name).toBe('p');
    expect(item.refs).toEqual([ref('Account', 'db')]);
    expect(item.warnings).toEqual([]);
    if (s === 'absent') {
      expect(item.targetId).toBeUndefined();
      expect(item.targetRevision).toBeUndefined();
    } else {
      expect(item.targetId).toBe('target-p');
      expect(item.targetRevision).toBe(7);
    }
    expect(item.blocking).toBe(exp.blocking);
    if (exp.failed) {
      expect(item.failed).toEqual({ statusCode: 409, reason: "Pipeline 'p' already exists" });
    } else {
      expect(item.failed).toBeUndefined();
    }
    if (exp.blocking) {
      expect(result.ok).toBe(false);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ code: 'conflict', sourceId: 's-Pipeline-p', type: 'Pipeline', name: 'p' });
      expect(result.problems[0]?.message).toContain("Pipeline 'p'");
    } else {
      expect(result.ok).toBe(true);
      expect(result.problems).toEqual([]);
    }
    // The summary counts each item under its action, and only there.
    expect(Object.entries(result.summary).filter(([k, n]) => k !== 'disabled' && n > 0)).toEqual([[exp.action, 1]]);
  });

  it('refs compare as sets (order and repetition do not matter)', () => {
    const source = [src('Pipeline', 'p', { refs: [ref('Account', 'db2'), ref('Account', 'db'), ref('Account', 'db')] })];
    const target = [tgt('Account', 'db'), tgt('Account', 'db2'), tgt('Pipeline', 'p', { sha256: 'sha-Pipeline-p', refs: [ref('Account', 'db'), ref('Account', 'db2')] })];
    expect(plan(sl(source, target, { policy: { Pipeline: 'fail' } })).items[0]?.action).toBe('unchanged');
  });

  it('fail-if-exists refuses an existing name even when identical (ROMA AddNew), and creates the rest', () => {
    const same = plan(roma([src('application', 'a'), src('application', 'b')], [tgt('application', 'a', { sha256: 'sha-application-a' })], { policy: { application: 'fail-if-exists' } }));
    expect(same.ok).toBe(false);
    expect(same.items.map((i) => [i.name, i.action, i.blocking ?? false])).toEqual([['a', 'conflict', true], ['b', 'create', false]]);
    expect(same.problems).toEqual([expect.objectContaining({ code: 'conflict', name: 'a', message: expect.stringContaining("conflict policy 'fail-if-exists'") })]);
  });

  it('a missing policy falls back to the registry default (Pipeline: overwrite, Account and datasource: keep)', () => {
    const noPolicy = plan({ ...situation('different', 'keep'), policy: undefined });
    expect(noPolicy.items[0]?.action).toBe('update');
    const app = plan(roma([src('application', 'a')], [tgt('application', 'a', { sha256: 'x' })]));
    expect(app.items[0]?.action).toBe('update');
    const ds = plan(roma([src('datasource', 'd')], [tgt('datasource', 'd', { sha256: 'x' })]));
    expect(ds.items[0]?.action).toBe('keep');
    expect(policyFor({}, 'Account')).toBe('keep');
  });

  it('re-importing the same package is all unchanged under fail, keep and overwrite; all skipped under skip', () => {
    const source = [
      src('Account', 'db'),
      src('Pipeline', 'p', { refs: [ref('Account', 'db')] }),
      src('Task', 't', { refs: [ref('Pipeline', 'p')] }),
      src('Task', 'orphan', { refs: [ref('Pipeline', 'gone')] }),
    ];
    const first = plan(sl(source, [], { policy: snapLogicPolicy({ duplicateCheck: 'absent' }) }));
    expect(first.ok).toBe(true);
    // What the apply step would leave behind.
    const target = first.items.map((i, n) => tgt(i.type, i.name, { id: `id${n}`, sha256: `sha-${i.type}-${i.sourceName}`, status: i.status, refs: i.refs }));
    expect(only(first.items, 'Task', 'orphan').status).toBe('disabled');
    for (const policy of ['fail', 'keep', 'overwrite'] as const) {
      const all = { Account: policy, Pipeline: policy, Task: policy };
      const again = plan(sl(source, target, { policy: all }));
      expect(again.ok).toBe(true);
      expect(again.items.map((i) => i.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
      expect(again.warnings).toEqual([]);
    }
    const skip = plan(sl(source, target, { policy: snapLogicPolicy({ duplicateCheck: 'skip' }) }));
    expect(skip.ok).toBe(true);
    expect(skip.summary).toMatchObject({ skip: 4, conflict: 0 });
  });
});

// ---------------------------------------------------------------- prefix

describe('plan: prefix', () => {
  const prefix = { value: 'dev-', types: ['application', 'task'] as AssetType[] };

  it('renames new assets of the prefixed types, leaves the others', () => {
    const r = plan(roma([src('application', 'orders'), src('datasource', 'db', { refs: [ref('application', 'orders')] })], [], { prefix }));
    expect(r.ok).toBe(true);
    const app = only(r.items, 'application', 'dev-orders');
    expect(app).toMatchObject({ action: 'create', sourceName: 'orders', renamedFrom: 'orders', name: 'dev-orders', status: 'enabled' });
    const ds = only(r.items, 'datasource', 'db');
    expect(ds.action).toBe('create');
    expect(ds.renamedFrom).toBeUndefined();
    expect(r.summary).toMatchObject({ create: 2 });
    expect(r.summary).not.toHaveProperty('rename');
  });

  it('rewrites references to renamed package assets, not references to target assets', () => {
    const r = plan(
      roma(
        [
          src('application', 'orders'),
          src('datasource', 'db', { refs: [ref('application', 'orders')] }),
          src('task', 'sync', { refs: [ref('datasource', 'db')] }),
          src('api', 'getOrders', { refs: [ref('application', 'orders'), ref('application', 'shared-app')] }),
        ],
        [tgt('application', 'shared-app'), tgt('application', 'orders')],
        { prefix },
      ),
    );
    expect(r.ok).toBe(true);
    expect(only(r.items, 'datasource', 'db').refs).toEqual([ref('application', 'dev-orders')]);
    expect(only(r.items, 'api', 'getOrders').refs).toEqual([ref('application', 'dev-orders'), ref('application', 'shared-app')]);
    expect(only(r.items, 'task', 'dev-sync').refs).toEqual([ref('datasource', 'db')]);
    expect(r.warnings).toEqual([]);
  });

  it('an empty prefix renames nothing', () => {
    const r = plan(roma([src('application', 'orders')], [], { prefix: { value: '', types: ['application'] } }));
    expect(r.items[0]).toMatchObject({ action: 'create', name: 'orders' });
    expect(r.items[0]?.renamedFrom).toBeUndefined();
  });

  it('a resulting invalid name is a problem (all of them reported)', () => {
    const r = plan(roma([src('application', 'a'), src('task', 'b'), src('datasource', 'c')], [], { prefix: { value: '_x', types: ['application', 'task'] } }));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.code, p.type, p.name])).toEqual([
      ['invalid_name', 'application', '_xa'],
      ['invalid_name', 'task', '_xb'],
    ]);
    expect(r.problems[0]?.message).toContain("prefix '_x'");
    expect(r.items.map((i) => [i.action, i.renamedFrom])).toEqual([
      ['create', 'a'],
      ['create', undefined],
      ['create', 'b'],
    ]);
  });

  it('a prefix that makes a name too long is an invalid_name', () => {
    const r = plan(roma([src('application', 'a'.repeat(60))], [], { prefix: { value: 'prefix', types: ['application'] } }));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'invalid_name', sourceId: 's-application-' + 'a'.repeat(60) });
    expect(r.problems[0]?.message).toContain('at most 64');
  });

  it("an asset's own policy wins over its type's, and its item says so (a file_expr file: overwrite)", () => {
    const target = [tgt('Expression', 'a.expr', { sha256: 'old' }), tgt('Expression', 'b.expr'), tgt('Expression', 'c.expr', { sha256: 'old' })];
    const source = [src('Expression', 'a.expr', { policy: 'overwrite' }), src('Expression', 'b.expr', { policy: 'overwrite' }), src('Expression', 'c.expr')];
    const r = plan(sl(source, target, { policy: { Expression: 'skip-as-failed' } }));
    expect(r.ok).toBe(true);
    expect(r.items.map((i) => [i.name, i.action, i.policy])).toEqual([
      ['a.expr', 'update', 'overwrite'],
      ['b.expr', 'unchanged', 'overwrite'],
      ['c.expr', 'skip', undefined],
    ]);
  });

  it('an invalid package name is reported even without a prefix', () => {
    const r = plan(sl([src('Expression', 'lib')], []));
    expect(r.problems).toEqual([expect.objectContaining({ code: 'invalid_name', name: 'lib' })]);
  });

  it('a prefixed name colliding with an existing target asset is matched under the policy', () => {
    const source = [src('application', 'orders', { sha256: 'new' })];
    const target = [tgt('application', 'dev-orders', { id: 'existing', sha256: 'old', revision: 2 })];
    const addNew = plan(roma(source, target, { prefix, policy: romaPolicy({ mode: 'AddNew', datasourceOverwrite: false }) }));
    expect(addNew.ok).toBe(false);
    expect(addNew.items[0]).toMatchObject({ action: 'conflict', blocking: true, name: 'dev-orders', renamedFrom: 'orders', targetId: 'existing', targetRevision: 2 });
    expect(addNew.problems[0]).toMatchObject({ code: 'conflict', name: 'dev-orders' });
    const merge = plan(roma(source, target, { prefix, policy: romaPolicy({ mode: 'Merge', datasourceOverwrite: false }) }));
    expect(merge.ok).toBe(true);
    expect(merge.items[0]).toMatchObject({ action: 'update', name: 'dev-orders', renamedFrom: 'orders', targetId: 'existing' });
    const same = plan(roma([src('application', 'orders', { sha256: 'old' })], target, { prefix }));
    expect(same.items[0]?.action).toBe('unchanged');
  });
});

// ---------------------------------------------------------------- references

describe('plan: references', () => {
  it('a ref to a missing asset: warning, imported disabled', () => {
    const r = plan(sl([src('Pipeline', 'p', { refs: [ref('Account', 'nope')] })], []));
    expect(r.ok).toBe(true);
    const item = r.items[0] as PlanItem;
    expect(item.status).toBe('disabled');
    expect(item.warnings).toEqual([
      {
        code: 'unresolved_reference',
        sourceId: 's-Pipeline-p',
        type: 'Pipeline',
        name: 'p',
        ref: ref('Account', 'nope'),
      },
    ]);
    expect(r.warnings).toEqual(item.warnings);
    expect(r.summary.disabled).toBe(1);
  });

  it('a task without its pipeline: a warning as data, the task imported disabled', () => {
    const r = plan(sl([src('Task', 'books', { refs: [ref('Pipeline', 'missing')] })], []));
    expect(r.warnings).toEqual([{ code: 'unresolved_reference', sourceId: 's-Task-books', type: 'Task', name: 'books', ref: ref('Pipeline', 'missing') }]);
    expect(r.items[0]?.status).toBe('disabled');
  });

  it('a ref satisfied by the target resolves', () => {
    const r = plan(sl([src('Task', 't', { refs: [ref('Pipeline', 'p')] })], [tgt('Pipeline', 'p')]));
    expect(r.warnings).toEqual([]);
    expect(r.items[0]?.status).toBe('enabled');
  });

  it('a ref satisfied by the package resolves', () => {
    const r = plan(sl([src('Task', 't', { refs: [ref('Pipeline', 'p')] }), src('Pipeline', 'p')], []));
    expect(r.warnings).toEqual([]);
    expect(only(r.items, 'Task', 't').status).toBe('enabled');
  });

  it('a ref satisfied by a renamed package asset resolves under the new name', () => {
    const r = plan(roma([src('task', 'sync', { refs: [ref('datasource', 'db')] }), src('datasource', 'db', { refs: [ref('application', 'app')] }), src('application', 'app')], [], {
      prefix: { value: 'x', types: ['application', 'datasource'] },
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(only(r.items, 'task', 'sync').refs).toEqual([ref('datasource', 'xdb')]);
    expect(only(r.items, 'datasource', 'xdb').refs).toEqual([ref('application', 'xapp')]);
    expect(r.items.every((i) => i.status === 'enabled')).toBe(true);
  });

  it('a ref to a package asset that is skipped still resolves (the name exists)', () => {
    const r = plan(sl([src('Task', 't', { refs: [ref('Pipeline', 'p')] }), src('Pipeline', 'p', { sha256: 'new' })], [tgt('Pipeline', 'p', { sha256: 'old' })], { policy: { Pipeline: 'skip-as-failed' } }));
    expect(only(r.items, 'Task', 't')).toMatchObject({ action: 'create', status: 'enabled', warnings: [] });
    expect(only(r.items, 'Pipeline', 'p').action).toBe('skip');
  });

  it('an unresolved ref disables an update, but a kept asset keeps the target status', () => {
    const source = [src('Pipeline', 'p', { sha256: 'new', refs: [ref('Account', 'gone')] })];
    const target = [tgt('Pipeline', 'p', { sha256: 'old', status: 'enabled' })];
    const upd = plan(sl(source, target, { policy: { Pipeline: 'overwrite' } }));
    expect(upd.items[0]).toMatchObject({ action: 'update', status: 'disabled' });
    expect(upd.warnings).toHaveLength(1);
    const keep = plan(sl(source, target, { policy: { Pipeline: 'keep' } }));
    expect(keep.items[0]).toMatchObject({ action: 'keep', status: 'enabled', warnings: [] });
    expect(keep.summary.disabled).toBe(0);
  });

  it('a package asset already disabled is not counted as disabled by the import', () => {
    const r = plan(sl([src('Task', 't', { status: 'disabled', refs: [ref('Pipeline', 'x')] })], []));
    expect(r.items[0]?.status).toBe('disabled');
    expect(r.warnings).toHaveLength(1);
    expect(r.summary.disabled).toBe(0);
  });

  it('one warning per distinct unresolved ref', () => {
    const r = plan(sl([src('Flow', 'f', { refs: [ref('Pipeline', 'a'), ref('Account', 'b'), ref('Pipeline', 'a')] })], []));
    expect(r.warnings.map((w) => w.ref)).toEqual([ref('Pipeline', 'a'), ref('Account', 'b')]);
  });

  it('a ref to a type the source type may not refer to is a problem', () => {
    const r = plan(sl([src('Task', 't', { refs: [ref('Account', 'db')] })], [tgt('Account', 'db')]));
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'invalid_reference', sourceId: 's-Task-t', type: 'Task', name: 't' })]);
    expect(r.problems[0]?.message).toContain("Account 'db'");
  });

  it('an asset of the other side is a problem', () => {
    const r = plan(sl([src('application', 'a')], []));
    expect(r.problems.map((p) => p.code)).toContain('invalid_type');
  });
});

// ---------------------------------------------------------------- secrets and overrides

describe('plan: secrets', () => {
  const acct = (o: SrcOpts = {}): PlanSourceAsset => src('Account', 'db', { id: 'acct1', undecryptableSecretFields: ['password', 'token'], ...o });

  it('undecryptable secrets: imported disabled with a warning naming the fields', () => {
    const r = plan(sl([acct()], []));
    expect(r.ok).toBe(true);
    expect(r.items[0]?.status).toBe('disabled');
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'secret_unavailable', sourceId: 'acct1', type: 'Account', name: 'db', fields: ['password', 'token'] })]);
    expect(r.summary.disabled).toBe(1);
  });

  it('overrides supplying all fields: no warning, status unchanged', () => {
    const r = plan(sl([acct()], [], { accountOverrides: [{ id: 'acct1', name: 'db', fields: ['token', 'password', 'url'] }] }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.items[0]?.status).toBe('enabled');
  });

  it('overrides supplying some fields: still disabled, warning names the missing ones', () => {
    const r = plan(sl([acct()], [], { accountOverrides: [{ id: 'acct1', fields: ['password'] }] }));
    expect(r.ok).toBe(true);
    expect(r.items[0]?.status).toBe('disabled');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.fields).toEqual(['token']);
  });

  it('an override for another account does not help', () => {
    const r = plan(sl([acct(), src('Account', 'other', { id: 'acct2' })], [], { accountOverrides: [{ id: 'acct2', fields: ['password', 'token'] }] }));
    expect(only(r.items, 'Account', 'db').status).toBe('disabled');
  });

  it('an update with undecryptable secrets is disabled; a kept account is not touched', () => {
    const target = [tgt('Account', 'db', { sha256: 'old' })];
    const upd = plan(sl([acct()], target, { policy: { Account: 'overwrite' } }));
    expect(upd.items[0]).toMatchObject({ action: 'update', status: 'disabled' });
    expect(upd.warnings.map((w) => w.code)).toEqual(['secret_unavailable']);
    const keep = plan(sl([acct()], target));
    expect(keep.items[0]).toMatchObject({ action: 'keep', status: 'enabled', warnings: [] });
  });

  it('an empty undecryptableSecretFields list is no secret problem', () => {
    const r = plan(sl([acct({ undecryptableSecretFields: [] })], []));
    expect(r.items[0]?.status).toBe('enabled');
    expect(r.warnings).toEqual([]);
  });
});

describe('plan: account overrides', () => {
  it('an override matching a target account is accepted and updates it in place', () => {
    const r = plan(sl([], [tgt('Account', 'prod-db', { id: 'tacct', revision: 9 })], { accountOverrides: [{ id: 'tacct', fields: ['token', 'password'] }] }));
    expect(r.ok).toBe(true);
    expect(r.accountUpdates).toEqual([{ overrideIds: ['tacct'], targetId: 'tacct', targetRevision: 9, type: 'Account', name: 'prod-db', fields: ['password', 'token'] }]);
  });

  it('a created or updated account carries the fields the override supplies', () => {
    const overrides = [{ id: 'a1', fields: ['token', 'password'] }];
    const created = plan(sl([src('Account', 'db', { id: 'a1' })], [], { accountOverrides: overrides }));
    expect(created.items[0]).toMatchObject({ action: 'create', overrideFields: ['password', 'token'] });
    expect(created.accountUpdates).toEqual([]);
    const updated = plan(sl([src('Account', 'db', { id: 'a1', sha256: 'new' })], [tgt('Account', 'db', { sha256: 'old' })], { accountOverrides: overrides, policy: { Account: 'overwrite' } }));
    expect(updated.items[0]).toMatchObject({ action: 'update', overrideFields: ['password', 'token'] });
    expect(updated.accountUpdates).toEqual([]);
  });

  it('an unchanged or kept account gets the override as an account update', () => {
    const overrides = [{ id: 'a1', fields: ['password'] }];
    const unchanged = plan(sl([src('Account', 'db', { id: 'a1' })], [tgt('Account', 'db', { id: 'T', revision: 4 })], { accountOverrides: overrides }));
    expect(unchanged.items[0]).toMatchObject({ action: 'unchanged', overrideFields: ['password'] });
    expect(unchanged.accountUpdates).toEqual([{ overrideIds: ['a1'], targetId: 'T', targetRevision: 4, type: 'Account', name: 'db', fields: ['password'] }]);
    const kept = plan(sl([src('Account', 'db', { id: 'a1', sha256: 'new' })], [tgt('Account', 'db', { id: 'T', revision: 4, sha256: 'old' })], { accountOverrides: overrides }));
    expect(kept.items[0]?.action).toBe('keep');
    expect(kept.accountUpdates.map((u) => u.targetId)).toEqual(['T']);
  });

  it('under skip-as-failed the override is not applied, with a warning', () => {
    const r = plan(sl([src('Account', 'db', { id: 'a1' })], [tgt('Account', 'db')], { accountOverrides: [{ id: 'a1', fields: ['password'] }], policy: { Account: 'skip-as-failed' } }));
    expect(r.ok).toBe(true);
    expect(r.accountUpdates).toEqual([]);
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'override_not_applied', sourceId: 'a1', fields: ['password'] })]);
  });

  it('an override by target id for an account the package replaces goes with the update', () => {
    const r = plan(
      sl([src('Account', 'db', { id: 'pkg', sha256: 'new' })], [tgt('Account', 'db', { id: 'T', sha256: 'old' })], {
        accountOverrides: [{ id: 'T', fields: ['token'] }],
        policy: { Account: 'overwrite' },
      }),
    );
    expect(r.ok).toBe(true);
    expect(r.items[0]).toMatchObject({ action: 'update', targetId: 'T', overrideFields: ['token'], overrideIds: ['T'] });
    expect(r.accountUpdates).toEqual([]);
  });

  it('overrides by package and target id for one account are both applied, the package one first', () => {
    const overrides = [
      { id: 'T', fields: ['token'] },
      { id: 'pkg', fields: ['password'] },
    ];
    const updated = plan(sl([src('Account', 'db', { id: 'pkg', sha256: 'new' })], [tgt('Account', 'db', { id: 'T', sha256: 'old' })], { accountOverrides: overrides, policy: { Account: 'overwrite' } }));
    expect(updated.items[0]).toMatchObject({ action: 'update', overrideFields: ['password', 'token'], overrideIds: ['pkg', 'T'] });
    const kept = plan(sl([src('Account', 'db', { id: 'pkg', sha256: 'new' })], [tgt('Account', 'db', { id: 'T', revision: 2, sha256: 'old' })], { accountOverrides: overrides }));
    expect(kept.items[0]).toMatchObject({ action: 'keep', overrideIds: ['pkg'] });
    expect(kept.accountUpdates).toEqual([{ overrideIds: ['pkg', 'T'], targetId: 'T', targetRevision: 2, type: 'Account', name: 'db', fields: ['password', 'token'] }]);
  });

  it('ROMA: overrides match data sources', () => {
    const r = plan(roma([src('datasource', 'db', { id: 'ds1', undecryptableSecretFields: ['password'] })], [], { accountOverrides: [{ id: 'ds1', fields: ['password'] }] }));
    expect(r.ok).toBe(true);
    expect(r.items[0]?.status).toBe('enabled');
  });

  it('an override matching nothing is a problem, never ignored', () => {
    const r = plan(sl([src('Account', 'db', { id: 'a1' })], [], { accountOverrides: [{ id: 'zzz', name: 'ghost', fields: ['password'] }] }));
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.code).toBe('override_unmatched');
    expect(r.problems[0]?.message).toContain("'ghost'");
    expect(r.problems[0]?.message).toContain("'zzz'");
  });

  it('an override whose id is a non-account asset is unmatched', () => {
    const r = plan(sl([src('Pipeline', 'p', { id: 'p1' })], [], { accountOverrides: [{ id: 'p1', fields: ['password'] }] }));
    expect(r.problems).toEqual([expect.objectContaining({ code: 'override_unmatched', type: 'Pipeline', name: 'p' })]);
  });

  it('duplicate override ids are a problem', () => {
    const r = plan(sl([src('Account', 'db', { id: 'a1' })], [], { accountOverrides: [{ id: 'a1', fields: ['password'] }, { id: 'a1', fields: ['token'] }] }));
    expect(r.problems.map((p) => p.code)).toEqual(['override_duplicate']);
    expect(r.items[0]?.overrideFields).toEqual(['password', 'token']);
  });

  it('an override with no fields, an empty field name or a repeated field is a problem', () => {
    const overrides: AccountOverride[] = [
      { id: 'a1', fields: [] },
      { id: 'a2', fields: ['password', ''] },
      { id: 'a3', fields: ['password', 'password'] },
      { id: 'a4', fields: ['password'] },
    ];
    const source = ['a1', 'a2', 'a3', 'a4'].map((id) => src('Account', id, { id }));
    const r = plan(sl(source, [], { accountOverrides: overrides }));
    expect(r.problems.map((p) => p.code)).toEqual(['override_fields', 'override_fields', 'override_fields']);
    expect(r.problems.map((p) => p.message)).toEqual([
      "The account override id 'a1' supplies no fields",
      "The account override id 'a2' has an empty field name",
      "The account override id 'a3' names a field more than once",
    ]);
  });
});

// ---------------------------------------------------------------- duplicates, many problems

describe('plan: duplicates and problems', () => {
  it('two package assets with the same type and name are a problem', () => {
    const r = plan(sl([src('Pipeline', 'p', { id: 'b' }), src('Pipeline', 'p', { id: 'a' }), src('Account', 'p', { id: 'c' })], []));
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'duplicate_asset', type: 'Pipeline', name: 'p', sourceId: 'a' });
    expect(r.problems[0]?.message).toContain('a, b');
  });

  it('duplicate package ids are a problem', () => {
    const r = plan(sl([src('Pipeline', 'p', { id: 'same' }), src('Account', 'a', { id: 'same' })], []));
    expect(r.problems.map((p) => p.code)).toEqual(['duplicate_id']);
  });

  it('every problem is reported at once, in a stable order', () => {
    const r = plan(
      sl(
        [
          src('Pipeline', 'dup', { id: 'd1' }),
          src('Pipeline', 'dup', { id: 'd2' }),
          src('Task', 'bad/name?', { refs: [ref('Pipeline', 'dup')] }),
          src('Task', 't', { refs: [ref('Account', 'x')] }),
          src('Account', 'acc', { sha256: 'new' }),
        ],
        [tgt('Account', 'acc', { sha256: 'old' })],
        { policy: { Account: 'fail' }, accountOverrides: [{ id: 'nobody', fields: ['password'] }] },
      ),
    );
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['conflict', 'duplicate_asset', 'invalid_name', 'invalid_reference', 'override_unmatched']);
    const r2 = plan(sl([src('Task', 'bad/name'), src('Account', 'a', { sha256: 'n' })], [tgt('Account', 'a', { sha256: 'o' })], { policy: { Account: 'fail' }, accountOverrides: [{ id: 'q', fields: [] }] }));
    expect(r2.problems.map((p) => p.code)).toEqual(['conflict', 'invalid_name', 'override_unmatched', 'override_fields']);
  });
});

// ---------------------------------------------------------------- determinism

describe('plan: determinism', () => {
  const source = [
    src('Task', 't2', { refs: [ref('Pipeline', 'p1')] }),
    src('Account', 'db', { undecryptableSecretFields: ['password'] }),
    src('Pipeline', 'p1', { refs: [ref('Account', 'db')] }),
    src('Pipeline', 'p0', { refs: [ref('Account', 'missing')], sha256: 'changed' }),
    src('Task', 't1', { refs: [ref('Pipeline', 'nope')] }),
    src('Policy', 'pol'),
    src('Expression', 'lib.expr'),
    src('File', 'data.csv'),
    src('Flow', 'f', { refs: [ref('Pipeline', 'p0')] }),
    src('Pipeline', 'dup', { id: 'x1' }),
    src('Pipeline', 'dup', { id: 'x2' }),
  ];
  const target = [tgt('Pipeline', 'p0'), tgt('Policy', 'pol', { sha256: 'other' }), tgt('Task', 'elsewhere'), tgt('Account', 'db2')];
  const accountOverrides: AccountOverride[] = [
    { id: 't-Account-db2', fields: ['password'] },
    { id: 'unknown', fields: ['token'] },
    { id: 's-Account-db', fields: ['password'] },
  ];
  const input = sl(source, target, { policy: snapLogicPolicy({ duplicateCheck: 'overwrite', overwriteTypes: ['Pipeline'] }), accountOverrides });

  it('orders items by tier, then type, then name', () => {
    const r = plan(input);
    expect(r.items.map((i) => `${i.type}:${i.name}`)).toEqual([
      'Account:db',
      'File:data.csv',
      'Policy:pol',
      'Expression:lib.expr',
      'Pipeline:dup',
      'Pipeline:dup',
      'Pipeline:p0',
      'Pipeline:p1',
      'Task:t1',
      'Task:t2',
      'Flow:f',
    ]);
    expect(r.items.map((i) => i.action)).toEqual(['create', 'create', 'update', 'create', 'create', 'create', 'update', 'create', 'create', 'create', 'create']);
    expect(r.warnings.map((w) => `${w.code}:${w.name}`)).toEqual(['unresolved_reference:p0', 'unresolved_reference:t1']);
    expect(r.problems.map((p) => p.code)).toEqual(['duplicate_asset', 'override_unmatched']);
    expect(r.accountUpdates.map((u) => [u.targetId, u.fields])).toEqual([['t-Account-db2', ['password']]]);
    expect(only(r.items, 'Account', 'db')).toMatchObject({ status: 'enabled', overrideFields: ['password'] });
  });

  it('shuffled input gives the same plan', () => {
    const expected = plan(input);
    for (let seed = 1; seed <= 20; seed++) {
      const again = plan({ ...input, source: shuffled(source, seed), target: shuffled(target, seed * 7), accountOverrides: shuffled(accountOverrides, seed * 13) });
      expect(again).toEqual(expected);
    }
  });

  it('does not mutate its input', () => {
    const copy = structuredClone(input);
    plan(input);
    expect(input).toEqual(copy);
  });
});

// ---------------------------------------------------------------- scale

describe('plan: scale', () => {
  it('plans 10,000 package assets against 10,000 target assets', () => {
    const source: PlanSourceAsset[] = [];
    const target: PlanTargetAsset[] = [];
    for (let i = 0; i < 2000; i++) source.push(src('Account', `a${i}`));
    for (let i = 0; i < 4000; i++) source.push(src('Pipeline', `p${i}`, { refs: [ref('Account', `a${i % 2000}`)] }));
    for (let i = 0; i < 4000; i++) source.push(src('Task', `t${i}`, { refs: [ref('Pipeline', i < 3000 ? `p${i}` : `missing${i}`)] }));
    for (let i = 0; i < 4000; i++) {
      target.push(tgt('Pipeline', `p${i}`, { sha256: i < 2000 ? `sha-Pipeline-p${i}` : 'old', refs: [ref('Account', `a${i % 2000}`)] }));
    }
    for (let i = 0; i < 6000; i++) target.push(tgt('Task', `x${i}`));
    expect(source).toHaveLength(10_000);
    expect(target).toHaveLength(10_000);

    const started = performance.now();
    const r = plan(sl(source, target, { policy: { Pipeline: 'overwrite' } }));
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThan(0); // the time is measured, not asserted (machine-dependent)

    expect(r.ok).toBe(true);
    expect(r.items).toHaveLength(10_000);
    expect(r.summary).toEqual({ create: 6000, update: 2000, unchanged: 2000, keep: 0, skip: 0, conflict: 0, disabled: 1000 });
    expect(r.warnings).toHaveLength(1000);
    expect(r.items[0]).toMatchObject({ type: 'Account', name: 'a0' });
    expect(r.items[9999]).toMatchObject({ type: 'Task', name: 't999', status: 'enabled' });
    expect(only(r.items, 'Task', 't3999')).toMatchObject({ action: 'create', status: 'disabled' });
    expect(only(r.items, 'Task', 't3000').warnings[0]).toMatchObject({ code: 'unresolved_reference', ref: { type: 'Pipeline' } });
    expect(only(r.items, 'Pipeline', 'p2500')).toMatchObject({ action: 'update', targetId: 't-Pipeline-p2500', targetRevision: 3 });
  });
});
