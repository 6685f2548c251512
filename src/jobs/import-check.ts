/**
 * The one prepare-and-validate step that dry runs and imports share: plan the package
 * against the target's state, then work out every body the import would write that the
 * plan alone cannot vouch for (account overrides applied to package and target accounts).
 * Whatever would make the writes fail becomes a problem of the plan here, so a dry run that
 * passes is an import that applies.
 */
import type { Kysely, Transaction } from 'kysely';
import { isDomainError } from '../core/errors.js';
import { sha256Hex } from '../core/json-text.js';
import { plan as makePlan, type Plan, type PlanProblem, type PlanTargetAsset, type PolicyMap } from '../core/plan.js';
import { applyAccountOverride } from '../core/secret-fields.js';
import type { AssetType } from '../core/asset-types.js';
import type { KeyRing } from '../secrets/key-ring.js';
import type { AssetWrite, TargetAssetRow } from '../store/asset-batch.js';
import { getAsset } from '../store/assets.js';
import type { DB } from '../store/schema.js';
import { overridesForPlan, toPlanSources, type OverrideEntry, type PreparedImport } from './import-prepare.js';

export interface CheckedImport {
  plan: Plan;
  /** Package account bodies with their override applied (sealed), by package id. */
  overridden: Map<string, { bodyText: string; sha256: string }>;
  /** Target accounts that only an override changes. */
  accountWrites: Array<AssetWrite & { revision: number }>;
}

export interface PlanOptions {
  policy?: PolicyMap;
  prefix?: { value: string; types: AssetType[] } | undefined;
  limit?: { types: AssetType[]; max: number } | undefined;
}

function planFor(prepared: PreparedImport, target: readonly TargetAssetRow[], opts: PlanOptions): Plan {
  return makePlan({
    side: prepared.side,
    source: toPlanSources(prepared),
    target: target as readonly PlanTargetAsset[], // the same rows: stored types and refs are the registry's
    policy: opts.policy,
    prefix: opts.prefix,
    accountOverrides: overridesForPlan(prepared.overrides),
  });
}

/**
 * Applies the overrides to an account body, in order, each to the result of the one before;
 * a refusal becomes a plan problem (and the body is not written).
 */
function tryOverrides(
  problems: PlanProblem[],
  who: { sourceId: string; type: AssetType; name: string },
  body: unknown,
  ids: readonly string[],
  overrides: ReadonlyMap<string, OverrideEntry>,
  keyring: KeyRing,
  label: string,
): string | undefined {
  let result = body;
  try {
    for (const id of ids) {
      const o = overrides.get(id);
      if (o) result = applyAccountOverride(who.type, result, o.body, keyring, label);
    }
    return JSON.stringify(result);
  } catch (e) {
    if (!isDomainError(e)) throw e;
    problems.push({ code: 'override_invalid', message: e.message, sourceId: who.sourceId, type: who.type, name: who.name });
    return undefined;
  }
}

/**
 * Plans the import and checks the writes the plan implies. `spaceId` is the existing
 * target (none when the import creates its space: then there is nothing to read).
 */
export async function checkImport(
  db: Kysely<DB> | Transaction<DB>,
  keyring: KeyRing,
  prepared: PreparedImport,
  state: readonly TargetAssetRow[],
  spaceId: string | undefined,
  opts: PlanOptions,
): Promise<CheckedImport> {
  const plan = planFor(prepared, state, opts);
  const overridden: CheckedImport['overridden'] = new Map();
  const accountWrites: CheckedImport['accountWrites'] = [];
  const problems: PlanProblem[] = [];
  if (opts.limit) {
    const { types, max } = opts.limit;
    const n = plan.items.filter((i) => types.includes(i.type)).length;
    if (n > max) problems.push({ code: 'too_many_assets', message: `The package holds ${n} assets of the types ${types.join(', ')}; one import takes at most ${max}.` });
  }
  if (prepared.overrides.length === 0) return withProblems(plan, problems, overridden, accountWrites);
  const overrides = new Map(prepared.overrides.map((o) => [o.id, o]));
  const bySource = new Map(prepared.assets.map((a) => [a.sourceId, a]));
  for (const item of plan.items) {
    if (!item.overrideIds?.length || (item.action !== 'create' && item.action !== 'update')) continue;
    const a = bySource.get(item.sourceId)!;
    const text = tryOverrides(problems, { sourceId: a.sourceId, type: a.type, name: item.name }, a.body, item.overrideIds, overrides, keyring, a.name);
    if (text !== undefined) overridden.set(item.sourceId, { bodyText: text, sha256: sha256Hex(text) });
  }
  for (const u of plan.accountUpdates) {
    const row = spaceId ? await getAsset(db, spaceId, u.targetId) : undefined;
    if (!row) continue;
    const text = tryOverrides(problems, { sourceId: u.overrideIds[0]!, type: u.type, name: u.name }, row.body, u.overrideIds, overrides, keyring, row.name);
    if (text === undefined) continue;
    accountWrites.push({ id: row.id, type: row.type, name: row.name, bodyText: text, content: null, refs: row.refs, sha256: sha256Hex(text), status: row.status, revision: u.targetRevision });
  }
  return withProblems(plan, problems, overridden, accountWrites);
}

function withProblems(plan: Plan, problems: PlanProblem[], overridden: CheckedImport['overridden'], accountWrites: CheckedImport['accountWrites']): CheckedImport {
  if (problems.length === 0) return { plan, overridden, accountWrites };
  return { plan: { ...plan, ok: false, problems: [...plan.problems, ...problems] }, overridden, accountWrites };
}
