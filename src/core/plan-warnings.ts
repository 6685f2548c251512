/**
 * The plan's wording and warnings: how assets are named in messages, the warnings of an
 * item the import writes (unresolved references, unavailable secrets), the warning for an
 * override that is not applied, and the plan's list of all warnings.
 */
import type { AssetType } from './asset-types.js';
import type { AssetRef, PlanInput, PlanItem, PlanWarning } from './plan-types.js';

/** The exact SnapLogic warning for a task whose pipeline is not there after the import. */
export const TASK_WITHOUT_PIPELINE_WARNING = 'If this task gets imported, it will be disabled as there is no pipeline found.';

export const describe = (type: AssetType, name: string): string => `${type} '${name}'`;

function unresolvedMessage(side: PlanInput['side'], type: AssetType, ref: AssetRef): string {
  if (side === 'snaplogic' && type === 'Task' && ref.type === 'Pipeline') return TASK_WITHOUT_PIPELINE_WARNING;
  return `If this ${type} gets imported, it will be disabled as there is no ${describe(ref.type, ref.name)} found.`;
}

/** The warning for account overrides that are not applied: their account is a failed conflict. */
export const overrideNotApplied = (item: PlanItem, fields: string[]): PlanWarning => ({
  code: 'override_not_applied',
  sourceId: item.sourceId,
  type: item.type,
  name: item.name,
  message: `The account override for ${describe(item.type, item.name)} is not applied: the account already exists and is not updated (reported as failed)`,
  fields,
});

/**
 * The warnings of an item the import writes (create / rename / update): each reference
 * that does not resolve, and the secret settings nothing supplies.
 */
export function addWriteWarnings(side: PlanInput['side'], item: PlanItem, unresolved: readonly AssetRef[], missingSecrets: string[]): void {
  const { sourceId, type, name, warnings } = item;
  for (let k = 0; k < unresolved.length; k++) {
    const r = unresolved[k] as AssetRef;
    warnings.push({
      code: 'unresolved_reference',
      sourceId,
      type,
      name,
      message: unresolvedMessage(side, type, r),
      ref: { type: r.type, name: r.name },
    });
  }
  if (missingSecrets.length > 0) {
    warnings.push({
      code: 'secret_unavailable',
      sourceId,
      type,
      name,
      message: `${describe(type, name)} will be imported disabled: its secret field(s) ${missingSecrets.join(', ')} cannot be decrypted on this deployment and no account override supplies them`,
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
