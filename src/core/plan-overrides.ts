/**
 * Account overrides in the plan (SnapLogic `file_account`, ROMA data-source credentials):
 * the settings they supply per asset id, the secrets still missing for a package asset,
 * how they travel with a package account's item, matching each override to an account in
 * the package or the target (with its problems), and the resulting account updates.
 *
 * Overrides match `Account` (SnapLogic) or `datasource` (ROMA) by id, package first. They
 * travel with a written item (`overrideFields`, `overrideIds`); for an unchanged or kept account, or a
 * target account the package does not carry, they become an `accountUpdates` entry; under
 * `skip-as-failed` they are not applied (warning).
 */
import type { AssetType } from './asset-types.js';
import { cmp, rankOf, type Work } from './plan-names.js';
import type { AccountOverride, AccountUpdate, PlanInput, PlanItem, PlanProblem, PlanSourceAsset, PlanTargetAsset } from './plan-types.js';
import { describe, overrideNotApplied } from './plan-warnings.js';

/** Types whose secrets `accountOverrides` may supply, per side. */
const OVERRIDE_TYPES: Readonly<Record<PlanInput['side'], AssetType>> = { snaplogic: 'Account', roma: 'datasource' };

/** The plan's lookups by id, built only when there are overrides to match. */
interface ById {
  readonly source: Map<string, PlanSourceAsset>;
  readonly target: Map<string, PlanTargetAsset>;
  readonly itemByTargetId: Map<string, PlanItem>;
}

export class AccountOverrides {
  /** The type overrides apply to on this side. */
  readonly accountType: AssetType;
  /** The overrides, grouped by id. */
  private readonly byId = new Map<string, AccountOverride[]>();
  /** By target id. */
  private readonly updates = new Map<string, AccountUpdate>();

  constructor(input: PlanInput) {
    this.accountType = OVERRIDE_TYPES[input.side];
    for (const o of input.accountOverrides ?? []) {
      const list = this.byId.get(o.id);
      if (list) list.push(o);
      else this.byId.set(o.id, [o]);
    }
  }

  /** The settings the overrides with this id supply. */
  private supplied(id: string): Set<string> {
    const s = new Set<string>();
    for (const o of this.byId.get(id) ?? []) for (const f of o.fields) s.add(f);
    return s;
  }

  private addUpdate(u: AccountUpdate): void {
    const seen = this.updates.get(u.targetId);
    if (seen === undefined) {
      this.updates.set(u.targetId, u);
      return;
    }
    seen.fields = [...new Set([...seen.fields, ...u.fields])].sort(cmp);
    seen.overrideIds = [...seen.overrideIds, ...u.overrideIds];
  }

  /** Secrets are missing unless every undecryptable field is supplied by an override. */
  missingSecrets(src: PlanSourceAsset): string[] {
    let missing: string[] = [];
    if (src.undecryptableSecretFields !== undefined && src.undecryptableSecretFields.length > 0) {
      const supplied = this.supplied(src.id);
      missing = [...new Set(src.undecryptableSecretFields)].filter((f) => !supplied.has(f));
    }
    return missing;
  }

  /**
   * The overrides for a package account, on its item (and as an account update when the
   * account stays as it is). Those for an asset of another type are a problem of {@link match}.
   */
  forItem(item: PlanItem, src: PlanSourceAsset, target: PlanTargetAsset | undefined): void {
    if (!this.byId.has(src.id) || src.type !== this.accountType) return;
    const fields = [...this.supplied(src.id)].sort(cmp);
    item.overrideFields = fields;
    item.overrideIds = [src.id];
    if (target !== undefined && (item.action === 'unchanged' || item.action === 'keep')) {
      this.addUpdate({ overrideIds: [src.id], targetId: target.id, targetRevision: target.revision, type: src.type, name: item.name, fields });
    } else if (item.failed !== undefined) {
      item.warnings.push(overrideNotApplied(item, fields));
    }
  }

  /** Each override must match an account in the package or the target; problems in override id order. */
  match(input: PlanInput, works: readonly Work[], items: readonly PlanItem[], problems: PlanProblem[]): void {
    const overrideIds = [...this.byId.keys()].sort(cmp);
    if (overrideIds.length === 0) return;
    const byId = lookupsById(input, works, items);
    for (const id of overrideIds) {
      const list = this.byId.get(id) ?? [];
      const first = list[0];
      const label = first?.name !== undefined ? `'${first.name}' (id '${id}')` : `id '${id}'`;
      if (list.length > 1) {
        problems.push({ code: 'override_duplicate', message: `The account override ${label} is given ${list.length} times` });
      }
      this.matchOne(id, label, byId, problems);
      for (const o of list) checkFields(o, label, problems);
    }
  }

  private matchOne(id: string, label: string, byId: ById, problems: PlanProblem[]): void {
    const inPackage = byId.source.get(id);
    const inTarget = inPackage === undefined ? byId.target.get(id) : undefined;
    const matched = inPackage ?? inTarget;
    if (matched === undefined) {
      problems.push({
        code: 'override_unmatched',
        message: `The account override ${label} matches no ${this.accountType} in the package or the target`,
      });
    } else if (matched.type !== this.accountType) {
      problems.push({
        code: 'override_unmatched',
        message: `The account override ${label} matches ${describe(matched.type, matched.name)}, which is not of type ${this.accountType}`,
        type: matched.type,
        name: matched.name,
      });
    } else if (inTarget !== undefined) {
      // A target account matched by its own id: the override updates it in place — through
      // the item when the package replaces that account anyway, else as an account update.
      const fields = [...this.supplied(id)].sort(cmp);
      const item = byId.itemByTargetId.get(inTarget.id);
      if (item !== undefined && item.action === 'update') {
        item.overrideFields = [...new Set([...(item.overrideFields ?? []), ...fields])].sort(cmp);
        item.overrideIds = [...(item.overrideIds ?? []), id];
      } else if (item === undefined || item.action === 'unchanged' || item.action === 'keep') {
        this.addUpdate({ overrideIds: [id], targetId: inTarget.id, targetRevision: inTarget.revision, type: inTarget.type, name: inTarget.name, fields });
      } else if (item.failed !== undefined) {
        item.warnings.push(overrideNotApplied(item, fields));
      }
    }
  }

  /** The account updates, ordered like items (tier, type, name), then by target id. */
  accountUpdates(): AccountUpdate[] {
    return [...this.updates.values()].sort((a, b) => rankOf(a) - rankOf(b) || cmp(a.name, b.name) || cmp(a.targetId, b.targetId));
  }
}

/** Package assets by id (the first in plan order), target assets by id (of namesakes, the first by type order, then name) and items by their target's id. */
function lookupsById(input: PlanInput, works: readonly Work[], items: readonly PlanItem[]): ById {
  const source = new Map<string, PlanSourceAsset>();
  const target = new Map<string, PlanTargetAsset>();
  const itemByTargetId = new Map<string, PlanItem>();
  for (const w of works) if (!source.has(w.src.id)) source.set(w.src.id, w.src);
  for (const t of input.target) {
    const seen = target.get(t.id);
    if (seen === undefined || rankOf(t) < rankOf(seen) || (rankOf(t) === rankOf(seen) && cmp(t.name, seen.name) < 0)) target.set(t.id, t);
  }
  for (const it of items) if (it.targetId !== undefined && !itemByTargetId.has(it.targetId)) itemByTargetId.set(it.targetId, it);
  return { source, target, itemByTargetId };
}

/** An override must supply at least one field, each named, none twice. */
function checkFields(o: AccountOverride, label: string, problems: PlanProblem[]): void {
  const fields = o.fields;
  const bad = fields.filter((f) => f.trim() === '');
  const dup = fields.length !== new Set(fields).size;
  if (fields.length === 0 || bad.length > 0 || dup) {
    const what = fields.length === 0 ? 'supplies no fields' : bad.length > 0 ? 'has an empty field name' : 'names a field more than once';
    problems.push({ code: 'override_fields', message: `The account override ${label} ${what}` });
  }
}
