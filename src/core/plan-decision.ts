/**
 * The decision for one package asset: given its target name, rewritten references, the
 * status it would be imported with and the same-named target asset (if any), the action
 * under its type's conflict policy, the status it will have afterwards, and its item.
 */
import type { ConflictPolicy } from './asset-types.js';
import type { Work } from './plan-names.js';
import { sameRefSet } from './plan-refs.js';
import type { AssetRef, AssetStatus, PlanAction, PlanItem, PlanProblem, PlanTargetAsset, PlanWarning } from './plan-types.js';
import { describe } from './plan-warnings.js';

/**
 * The item for `w` (without warnings yet). A conflict under `fail` is also a problem.
 * Identity (→ `unchanged`) compares sha256, the imported status and the references as sets;
 * under `skip-as-failed` every existing name is skipped (reported as failed), identical or
 * not, and under `fail-if-exists` a blocking conflict.
 */
export function decideItem(
  w: Work,
  refs: AssetRef[],
  importedStatus: AssetStatus,
  target: PlanTargetAsset | undefined,
  policy: ConflictPolicy,
  problems: PlanProblem[],
): PlanItem {
  const { src, name } = w;
  let action: PlanAction;
  let status: AssetStatus = importedStatus;
  let blocking = false;
  let failed = false;
  if (target === undefined) {
    action = 'create';
  } else {
    const identical = target.sha256 === src.sha256 && target.status === importedStatus && sameRefSet(refs, target.refs);
    if (policy === 'skip-as-failed') {
      action = 'skip';
      status = target.status;
      failed = true;
    } else if (identical && policy !== 'fail-if-exists') {
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
        message: policy === 'fail' ? `${describe(src.type, name)} already exists in the target and differs from the package (conflict policy 'fail')` : `${describe(src.type, name)} already exists in the target (conflict policy '${policy}')`,
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
  if (w.renamed && name !== src.name) item.renamedFrom = src.name;
  if (blocking) item.blocking = true;
  if (failed) item.failed = { statusCode: 409, reason: `${describe(src.type, name)} already exists` };
  return item;
}

/** Whether the import writes the item (and so whether its warnings are given). */
export const isWrite = (action: PlanAction): boolean => action === 'create' || action === 'update';
