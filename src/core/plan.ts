/**
 * The import plan: a pure function of (package assets, target assets, conflict policy,
 * prefix, account overrides) that says, for every package asset, what the import will do
 * — `create | rename | update | unchanged | keep | conflict` — with the status the asset
 * will have afterwards, its references rewritten for renames, warnings, and every problem
 * that blocks the import, all at once. The same function serves dry runs and the apply
 * step. No I/O, no clock, no randomness: equal inputs (in any order) give equal plans.
 *
 * See DESIGN.md ("Domain", "The import path", "Secrets").
 *
 * Rules the design leaves open, as decided here:
 * - Identity (→ `unchanged`) compares sha256, the status the asset would be imported with
 *   (after reference resolution and secret availability) and the rewritten refs as sets.
 * - Under `skip-as-failed` every existing name is a failed 409 conflict, identical or not.
 * - The final state's names do not depend on actions (an import never removes a name), so
 *   a reference to a package asset that ends up kept or conflicting still resolves.
 * - Warnings describe writes: `unresolved_reference` / `secret_unavailable` are given for
 *   create / rename / update only, so re-importing the same package is warning-free.
 * - Only references to package assets are rewritten for a prefix; a reference to a name
 *   the package does not carry keeps pointing at the target's asset of that name.
 * - Every package name is checked (not only prefixed ones); an asset type of the other
 *   side, duplicate package ids and bad override field lists are problems too.
 * - Account overrides match `Account` (SnapLogic) or `datasource` (ROMA) by id, package
 *   first. They travel with a written item (`overrideFields`); for an unchanged or kept
 *   account, or a target account the package does not carry, they become an
 *   `accountUpdates` entry; under `skip-as-failed` they are not applied (warning).
 * - `summary.disabled` counts written items forced to `disabled` that the package has enabled.
 * - Order: tier, then registry type order within a tier, then target name (code-unit
 *   order, not locale), then package name and id; problems follow item order, override
 *   problems come last by override id.
 */
import { ASSET_TYPES, assetTypeInfo, byTier, mayReferTo, type AssetType, type ConflictPolicy } from './asset-types.js';
import { checkAssetName } from './names.js';
import { policyFor, type PolicyMap } from './policy.js';
import { withArticle } from './phrases.js';

export {
  policyFor,
  romaPolicy,
  romaPrefix,
  snapLogicPolicy,
  ROMA_PREFIX_TYPES,
  type PolicyMap,
  type DuplicateCheck,
  type RomaImportMode,
  type RomaPolicyOptions,
  type SnapLogicPolicyOptions,
} from './policy.js';

export type AssetStatus = 'enabled' | 'disabled';

export interface AssetRef {
  type: AssetType;
  name: string;
}

export interface PlanSourceAsset {
  id: string;
  type: AssetType;
  name: string;
  sha256: string;
  status: AssetStatus;
  refs: readonly AssetRef[];
  /** Secret settings whose ciphertext this deployment cannot decrypt (no key). */
  undecryptableSecretFields?: readonly string[];
}

export interface PlanTargetAsset {
  id: string;
  type: AssetType;
  name: string;
  sha256: string;
  status: AssetStatus;
  refs: readonly AssetRef[];
  revision: number;
}

/** One `file_account` entry: plain-text settings for one account, matched by asset id. */
export interface AccountOverride {
  /** The account's asset id as in the package (`snode_id`), or a target account's id. */
  id: string;
  name?: string;
  /** Settings keys it supplies. */
  fields: readonly string[];
}

export interface PlanInput {
  side: 'roma' | 'snaplogic';
  /** The package's assets. */
  source: readonly PlanSourceAsset[];
  /** The current assets of the target space. */
  target: readonly PlanTargetAsset[];
  /** Per-type conflict policy; a missing type takes the registry's `conflictDefault`. */
  policy?: PolicyMap;
  /** ROMA `prefix`: prepended (plain concatenation) to the names of assets of these types. */
  prefix?: { value: string; types: readonly AssetType[] };
  /** SnapLogic `file_account` entries (ROMA: data-source credentials). */
  accountOverrides?: readonly AccountOverride[];
}

export type PlanAction = 'create' | 'update' | 'unchanged' | 'keep' | 'conflict' | 'rename';

export type PlanWarningCode = 'unresolved_reference' | 'secret_unavailable' | 'override_not_applied';

export interface PlanWarning {
  code: PlanWarningCode;
  sourceId: string;
  type: AssetType;
  /** The asset's name in the target. */
  name: string;
  message: string;
  /** `secret_unavailable`: the secret settings still missing; `override_not_applied`: the settings supplied. */
  fields?: string[];
  /** `unresolved_reference`: the reference (as rewritten for renames) that does not resolve. */
  ref?: AssetRef;
}

export type PlanProblemCode =
  | 'conflict'
  | 'invalid_name'
  | 'invalid_reference'
  | 'invalid_type'
  | 'duplicate_asset'
  | 'duplicate_id'
  | 'override_unmatched'
  | 'override_duplicate'
  | 'override_fields'
  /** An override that can't be applied to its account (shape or class differs); found when the writes are checked. */
  | 'override_invalid';

export interface PlanProblem {
  code: PlanProblemCode;
  message: string;
  sourceId?: string;
  type?: AssetType;
  name?: string;
}

export interface PlanItem {
  sourceId: string;
  type: AssetType;
  sourceName: string;
  /** The name in the target (after the prefix). */
  name: string;
  action: PlanAction;
  /** The same-named asset already in the target. */
  targetId?: string;
  targetRevision?: number;
  /** The status it will have after the import (a kept or conflicting asset keeps the target's). */
  status: AssetStatus;
  /** The package asset's references, rewritten for renamed package assets. */
  refs: AssetRef[];
  /** A conflict under policy `fail`: the import cannot run. */
  blocking?: boolean;
  /** A conflict under `skip-as-failed`: not written, reported as failed. */
  failed?: { statusCode: 409; reason: string };
  /**
   * Settings that account overrides supply for this account (sorted, distinct). When the
   * item is written (create/rename/update), the apply step takes them from the override;
   * when it is unchanged or kept, they are applied through `Plan.accountUpdates`.
   */
  overrideFields?: string[];
  warnings: PlanWarning[];
}

/**
 * An account override applied to an account that stays in the target as it is otherwise
 * (a package account that is unchanged or kept, or a target account not in the package):
 * the apply step sets these settings from the override, as a new revision.
 */
export interface AccountUpdate {
  /** The override's id (the package or target asset id it matched). */
  overrideId: string;
  targetId: string;
  targetRevision: number;
  type: AssetType;
  name: string;
  fields: string[];
}

export type PlanSummary = Record<PlanAction, number> & {
  /** Items reported as failed (`skip-as-failed` conflicts). */
  failed: number;
  /** Items the import writes (create/rename/update) disabled although the package has them enabled. */
  disabled: number;
};

export interface Plan {
  /** False iff there is at least one problem; then nothing may be applied. */
  ok: boolean;
  /** Ordered by tier, then type (registry order within a tier), then target name. */
  items: PlanItem[];
  /** Every item's warnings, in item order. */
  warnings: PlanWarning[];
  problems: PlanProblem[];
  /** Overrides for accounts the items do not write; ordered like items, then by override id. */
  accountUpdates: AccountUpdate[];
  summary: PlanSummary;
}

/** The exact SnapLogic warning for a task whose pipeline is not there after the import. */
export const TASK_WITHOUT_PIPELINE_WARNING = 'If this task gets imported, it will be disabled as there is no pipeline found.';

/** Types whose secrets `accountOverrides` may supply, per side. */
const OVERRIDE_TYPES: Readonly<Record<PlanInput['side'], AssetType>> = { snaplogic: 'Account', roma: 'datasource' };

/**
 * (type, name) → value. One Map of names per type rather than one Map keyed by
 * `type\u0000name`: same semantics, but no key string is built and hashed per lookup
 * (input names are flat strings whose hash V8 caches), which matters at 10,000 × 10,000.
 */
class ByTypeAndName<T> {
  private readonly byType = new Map<AssetType, Map<string, T>>();

  get(type: AssetType, name: string): T | undefined {
    return this.byType.get(type)?.get(name);
  }

  has(type: AssetType, name: string): boolean {
    return this.byType.get(type)?.has(name) ?? false;
  }

  set(type: AssetType, name: string, value: T): void {
    let names = this.byType.get(type);
    if (names === undefined) {
      names = new Map();
      this.byType.set(type, names);
    }
    names.set(name, value);
  }
}

const TYPE_RANK: ReadonlyMap<AssetType, number> = new Map([...ASSET_TYPES].sort(byTier).map((t, i) => [t, i] as const));

/** Code-unit order: locale-independent and fast. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Work {
  readonly src: PlanSourceAsset;
  /** Name in the target. */
  readonly name: string;
  readonly renamed: boolean;
  readonly rank: number;
}

const rankOf = (a: { type: AssetType }): number => TYPE_RANK.get(a.type) ?? Number.MAX_SAFE_INTEGER;

const sameKey = (a: Work, b: Work): boolean => a.src.type === b.src.type && a.name === b.name;

const describe = (type: AssetType, name: string): string => `${type} '${name}'`;

function unresolvedMessage(side: PlanInput['side'], type: AssetType, ref: AssetRef): string {
  if (side === 'snaplogic' && type === 'Task' && ref.type === 'Pipeline') return TASK_WITHOUT_PIPELINE_WARNING;
  return `If this ${type} gets imported, it will be disabled as there is no ${describe(ref.type, ref.name)} found.`;
}

const overrideNotApplied = (type: AssetType, name: string): string =>
  `The account override for ${describe(type, name)} is not applied: the account already exists and is not updated (reported as failed)`;

const refKey = (r: AssetRef): string => `${r.type}\u0000${r.name}`;
const hasRef = (refs: readonly AssetRef[], r: AssetRef): boolean => refs.some((x) => x.type === r.type && x.name === r.name);

/** The distinct references, first occurrence first. */
function distinctRefs(refs: readonly AssetRef[]): readonly AssetRef[] {
  if (refs.length <= 1) return refs;
  if (refs.length <= 8) return refs.filter((r, i) => !hasRef(refs.slice(0, i), r));
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = refKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether two reference lists are equal as sets (order and repetition ignored). */
export function sameRefSet(a: readonly AssetRef[], b: readonly AssetRef[]): boolean {
  if (a.length === 1 && b.length === 1) {
    const x = a[0] as AssetRef;
    const y = b[0] as AssetRef;
    return x.type === y.type && x.name === y.name;
  }
  if (a.length <= 8 && b.length <= 8) {
    return a.every((r) => hasRef(b, r)) && b.every((r) => hasRef(a, r));
  }
  const sa = new Set(a.map(refKey));
  const sb = new Set(b.map(refKey));
  if (sa.size !== sb.size) return false;
  for (const k of sa) if (!sb.has(k)) return false;
  return true;
}

function emptySummary(): PlanSummary {
  return { create: 0, rename: 0, update: 0, unchanged: 0, keep: 0, conflict: 0, failed: 0, disabled: 0 };
}

export function plan(input: PlanInput): Plan {
  const problems: PlanProblem[] = [];
  const prefixValue = input.prefix?.value ?? '';
  const prefixTypes = new Set<AssetType>(prefixValue === '' ? [] : (input.prefix?.types ?? []));
  const renaming = prefixTypes.size > 0;

  // 1. Target names, in a total, input-order-independent order.
  const works: Work[] = input.source.map((src) => {
    const renamed = prefixTypes.has(src.type);
    const name = renamed ? prefixValue + src.name : src.name;
    return { src, name, renamed, rank: rankOf(src) };
  });
  works.sort(
    (a, b) =>
      a.rank - b.rank ||
      cmp(a.name, b.name) ||
      cmp(a.src.name, b.src.name) ||
      cmp(a.src.id, b.src.id),
  );

  // 2. Lookup tables. The final state's names are known before any action is: an import
  // never removes a name, and every package asset's target name exists afterwards
  // (created, renamed, updated, unchanged, kept or conflicting alike).
  // So a name exists in the final state iff it is a package target name or a target name.
  const renamedTo = new ByTypeAndName<string>(); // package (type, name) → target name
  const packageNames = new ByTypeAndName<true>();
  const idCount = new Map<string, number>();
  for (let i = 0; i < works.length; i++) {
    const w = works[i] as Work;
    if (w.renamed) renamedTo.set(w.src.type, w.src.name, w.name);
    packageNames.set(w.src.type, w.name, true);
    idCount.set(w.src.id, (idCount.get(w.src.id) ?? 0) + 1);
  }
  const targetByName = new ByTypeAndName<PlanTargetAsset>();
  for (let i = 0; i < input.target.length; i++) {
    const t = input.target[i] as PlanTargetAsset;
    const seen = targetByName.get(t.type, t.name);
    if (seen === undefined || cmp(t.id, seen.id) < 0) targetByName.set(t.type, t.name, t); // a corrupt target: stay deterministic
  }

  // 3. Account overrides, grouped by id (the fields they supply per asset id).
  const overridesById = new Map<string, AccountOverride[]>();
  for (const o of input.accountOverrides ?? []) {
    const list = overridesById.get(o.id);
    if (list) list.push(o);
    else overridesById.set(o.id, [o]);
  }
  const suppliedFields = (id: string): Set<string> => {
    const s = new Set<string>();
    for (const o of overridesById.get(id) ?? []) for (const f of o.fields) s.add(f);
    return s;
  };
  const accountType = OVERRIDE_TYPES[input.side];
  const accountUpdates = new Map<string, AccountUpdate>(); // by target id
  const addAccountUpdate = (u: AccountUpdate): void => {
    const seen = accountUpdates.get(u.targetId);
    if (seen === undefined) accountUpdates.set(u.targetId, u);
    else seen.fields = [...new Set([...seen.fields, ...u.fields])].sort(cmp);
  };

  // 4. Per-asset problems, references, matching and action.
  const items: PlanItem[] = [];
  const summary = emptySummary();
  const reportedIds = new Set<string>();
  for (let i = 0; i < works.length; i++) {
    const w = works[i] as Work;
    const { src, name } = w;
    const info = assetTypeInfo(src.type);

    if (info.side !== input.side) {
      problems.push({
        code: 'invalid_type',
        message: `${describe(src.type, src.name)} is a ${info.side} asset type and cannot be imported into a ${input.side} space`,
        sourceId: src.id,
        type: src.type,
        name,
      });
    }

    const nameProblem = checkAssetName(input.side, src.type, name);
    if (nameProblem !== null) {
      const how = w.renamed ? ` (package name '${src.name}' with prefix '${prefixValue}')` : '';
      problems.push({
        code: 'invalid_name',
        message: `${describe(src.type, name)}${how} is not a valid name: ${nameProblem}`,
        sourceId: src.id,
        type: src.type,
        name,
      });
    }

    // Duplicates are adjacent after the sort; report each group once, at its first member.
    if (i === 0 || !sameKey(works[i - 1] as Work, w)) {
      let j = i + 1;
      while (j < works.length && sameKey(works[j] as Work, w)) j++;
      if (j - i > 1) {
        const ids = works.slice(i, j).map((d) => d.src.id);
        problems.push({
          code: 'duplicate_asset',
          message: `${j - i} package assets would be ${describe(src.type, name)} in the target (ids ${ids.join(', ')})`,
          sourceId: src.id,
          type: src.type,
          name,
        });
      }
    }

    const count = idCount.get(src.id) ?? 0;
    if (count > 1 && !reportedIds.has(src.id)) {
      reportedIds.add(src.id);
      problems.push({
        code: 'duplicate_id',
        message: `The package holds ${count} assets with id '${src.id}'`,
        sourceId: src.id,
        type: src.type,
        name,
      });
    }

    // References: rewrite those pointing at renamed package assets, then resolve them
    // against the final state (target ∪ package as it will be after the import).
    const refs: AssetRef[] = [];
    for (let k = 0; k < src.refs.length; k++) {
      const r = src.refs[k] as AssetRef;
      const to = renaming && prefixTypes.has(r.type) ? renamedTo.get(r.type, r.name) : undefined;
      refs.push({ type: r.type, name: to ?? r.name });
    }
    const unresolved: AssetRef[] = [];
    const distinct = distinctRefs(refs);
    for (let k = 0; k < distinct.length; k++) {
      const r = distinct[k] as AssetRef;
      if (!mayReferTo(src.type, r.type)) {
        const allowed = info.refersTo.length > 0 ? info.refersTo.join(', ') : 'nothing';
        problems.push({
          code: 'invalid_reference',
          message: `${describe(src.type, name)} refers to ${describe(r.type, r.name)}, but ${withArticle(src.type)} may refer only to: ${allowed}`,
          sourceId: src.id,
          type: src.type,
          name,
        });
      } else if (!packageNames.has(r.type, r.name) && !targetByName.has(r.type, r.name)) {
        unresolved.push(r);
      }
    }

    // Secrets: missing unless every undecryptable field is supplied by an override.
    let missingSecrets: string[] = [];
    if (src.undecryptableSecretFields !== undefined && src.undecryptableSecretFields.length > 0) {
      const supplied = suppliedFields(src.id);
      missingSecrets = [...new Set(src.undecryptableSecretFields)].filter((f) => !supplied.has(f));
    }

    const forcedDisabled = unresolved.length > 0 || missingSecrets.length > 0;
    const importedStatus: AssetStatus = forcedDisabled ? 'disabled' : src.status;

    // Matching by (type, target name) and the action under the type's policy.
    const target = targetByName.get(src.type, name);
    const policy: ConflictPolicy = policyFor(input, src.type);
    let action: PlanAction;
    let status: AssetStatus = importedStatus;
    let blocking = false;
    let failed = false;
    if (target === undefined) {
      action = w.renamed ? 'rename' : 'create';
    } else {
      const identical = target.sha256 === src.sha256 && target.status === importedStatus && sameRefSet(refs, target.refs);
      if (policy === 'skip-as-failed') {
        action = 'conflict';
        status = target.status;
        failed = true;
      } else if (identical) {
        action = 'unchanged';
        status = target.status;
      } else if (policy === 'overwrite') {
        action = 'update';
      } else if (policy === 'keep') {
        action = 'keep';
        status = target.status;
      } else {
        action = 'conflict';
        status = target.status;
        blocking = true;
        problems.push({
          code: 'conflict',
          message: `${describe(src.type, name)} already exists in the target and differs from the package (conflict policy 'fail')`,
          sourceId: src.id,
          type: src.type,
          name,
        });
      }
    }
    // One object literal per shape (absent optional fields stay absent).
    const warnings: PlanWarning[] = [];
    const item: PlanItem =
      target === undefined
        ? { sourceId: src.id, type: src.type, sourceName: src.name, name, action, status, refs, warnings }
        : { sourceId: src.id, type: src.type, sourceName: src.name, name, action, targetId: target.id, targetRevision: target.revision, status, refs, warnings };
    if (blocking) item.blocking = true;
    if (failed) item.failed = { statusCode: 409, reason: `${describe(src.type, name)} already exists` };

    // Account overrides for this package account (one of another type is a problem, below).
    if (overridesById.has(src.id) && src.type === accountType) {
      const fields = [...suppliedFields(src.id)].sort(cmp);
      item.overrideFields = fields;
      if (target !== undefined && (action === 'unchanged' || action === 'keep')) {
        addAccountUpdate({ overrideId: src.id, targetId: target.id, targetRevision: target.revision, type: src.type, name, fields });
      } else if (failed) {
        warnings.push({
          code: 'override_not_applied',
          sourceId: src.id,
          type: src.type,
          name,
          message: overrideNotApplied(src.type, name),
          fields,
        });
      }
    }

    // Warnings describe what the import writes: only for create / rename / update.
    if (action === 'create' || action === 'rename' || action === 'update') {
      for (let k = 0; k < unresolved.length; k++) {
        const r = unresolved[k] as AssetRef;
        warnings.push({
          code: 'unresolved_reference',
          sourceId: src.id,
          type: src.type,
          name,
          message: unresolvedMessage(input.side, src.type, r),
          ref: { type: r.type, name: r.name },
        });
      }
      if (missingSecrets.length > 0) {
        warnings.push({
          code: 'secret_unavailable',
          sourceId: src.id,
          type: src.type,
          name,
          message: `${describe(src.type, name)} will be imported disabled: its secret field(s) ${missingSecrets.join(', ')} cannot be decrypted on this deployment and no account override supplies them`,
          fields: missingSecrets,
        });
      }
      if (forcedDisabled && src.status === 'enabled') summary.disabled++;
    }

    summary[action]++;
    if (failed) summary.failed++;
    items.push(item);
  }

  // 5. Account overrides: each must match an account in the package or the target.
  const overrideIds = [...overridesById.keys()].sort(cmp);
  const sourceById = new Map<string, PlanSourceAsset>();
  const targetById = new Map<string, PlanTargetAsset>();
  const itemByTargetId = new Map<string, PlanItem>();
  if (overrideIds.length > 0) {
    for (const w of works) if (!sourceById.has(w.src.id)) sourceById.set(w.src.id, w.src);
    for (const t of input.target) {
      const seen = targetById.get(t.id);
      if (seen === undefined || rankOf(t) < rankOf(seen) || (rankOf(t) === rankOf(seen) && cmp(t.name, seen.name) < 0)) targetById.set(t.id, t);
    }
    for (const it of items) if (it.targetId !== undefined && !itemByTargetId.has(it.targetId)) itemByTargetId.set(it.targetId, it);
  }
  for (const id of overrideIds) {
    const list = overridesById.get(id) ?? [];
    const first = list[0];
    const label = first?.name !== undefined ? `'${first.name}' (id '${id}')` : `id '${id}'`;
    if (list.length > 1) {
      problems.push({ code: 'override_duplicate', message: `The account override ${label} is given ${list.length} times` });
    }
    const inPackage = sourceById.get(id);
    const inTarget = inPackage === undefined ? targetById.get(id) : undefined;
    const matched = inPackage ?? inTarget;
    if (matched === undefined) {
      problems.push({
        code: 'override_unmatched',
        message: `The account override ${label} matches no ${accountType} in the package or the target`,
      });
    } else if (matched.type !== accountType) {
      problems.push({
        code: 'override_unmatched',
        message: `The account override ${label} matches ${describe(matched.type, matched.name)}, which is not of type ${accountType}`,
        type: matched.type,
        name: matched.name,
      });
    } else if (inTarget !== undefined) {
      // A target account matched by its own id: the override updates it in place — through
      // the item when the package replaces that account anyway, else as an account update.
      const fields = [...suppliedFields(id)].sort(cmp);
      const item = itemByTargetId.get(inTarget.id);
      if (item !== undefined && item.action === 'update') {
        item.overrideFields = [...new Set([...(item.overrideFields ?? []), ...fields])].sort(cmp);
      } else if (item === undefined || item.action === 'unchanged' || item.action === 'keep') {
        addAccountUpdate({ overrideId: id, targetId: inTarget.id, targetRevision: inTarget.revision, type: inTarget.type, name: inTarget.name, fields });
      } else if (item.failed !== undefined) {
        item.warnings.push({ code: 'override_not_applied', sourceId: item.sourceId, type: item.type, name: item.name, message: overrideNotApplied(item.type, item.name), fields });
      }
    }
    for (const o of list) {
      const fields = o.fields;
      const bad = fields.filter((f) => f.trim() === '');
      const dup = fields.length !== new Set(fields).size;
      if (fields.length === 0 || bad.length > 0 || dup) {
        const what = fields.length === 0 ? 'supplies no fields' : bad.length > 0 ? 'has an empty field name' : 'names a field more than once';
        problems.push({ code: 'override_fields', message: `The account override ${label} ${what}` });
      }
    }
  }

  const allWarnings: PlanWarning[] = [];
  for (let i = 0; i < items.length; i++) {
    const ws = (items[i] as PlanItem).warnings;
    for (let k = 0; k < ws.length; k++) allWarnings.push(ws[k] as PlanWarning);
  }
  const updates = [...accountUpdates.values()].sort((a, b) => rankOf(a) - rankOf(b) || cmp(a.name, b.name) || cmp(a.targetId, b.targetId));
  return { ok: problems.length === 0, items, warnings: allWarnings, problems, accountUpdates: updates, summary };
}
