/**
 * The plan's wording and warnings: how assets are named in problem messages, the warnings
 * of an item the import writes (unresolved references, unavailable secrets), the warning
 * for an override that is not applied, and the plan's list of all warnings. Warnings are
 * data (code, asset, fields or reference); each front door words them (import-warnings.ts).
 */
import type { AssetType } from './asset-types.js';
import type { AssetRef, PlanItem, PlanWarning } from './plan-types.js';

export const describe = (type: AssetType, name: string): string => `${type} '${name}'`;

/** The warning for account overrides that are not applied: their account is skipped. */
export const overrideNotApplied = (item: PlanItem, fields: string[]): PlanWarning => ({
  code: 'override_not_applied',
  sourceId: item.sourceId,
  type: item.type,
  name: item.name,
  fields,
});

/**
 * The warnings of an item the import writes (create / update): each reference that does
 * not resolve, and the secret settings nothing supplies.
 */
export function addWriteWarnings(item: PlanItem, unresolved: readonly AssetRef[], missingSecrets: string[]): void {
  const { sourceId, type, name, warnings } = item;
  for (let k = 0; k < unresolved.length; k++) {
    const r = unresolved[k] as AssetRef;
    warnings.push({
      code: 'unresolved_reference',
      sourceId,
      type,
      name,
      ref: { type: r.type, name: r.name },
    });
  }
  if (missingSecrets.length > 0) {
    warnings.push({
      code: 'secret_unavailable',
      sourceId,
      type,
      name,
      fields: missingSecrets,
    });
  }
}

/** Every item's warnings, in item order. */
export function allWarnings(items: readonly PlanItem[]): PlanWarning[] {
  const out: PlanWarning[] = [];
  for (let i = 0; i < items.length; i++) {
    const ws = (items[i] as PlanItem).warnings;
    for (let k = 0; k < ws.length; k++) out.push(ws[k] as PlanWarning);
  }
  return out;
}
