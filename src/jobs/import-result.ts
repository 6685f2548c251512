/**
 * What an import (or its dry run) reports: per-asset outcomes, warnings, problems. The same
 * report is a dry run's answer and a finished job's result, so a plan and its job speak one
 * vocabulary (the actions of `PlanAction`). Warnings are data ({@link ImportWarning}); each
 * front door words them.
 */
import type { ConflictPolicy } from '../core/asset-types.js';
import { importWarningOf, type ImportWarning } from '../core/import-warnings.js';
import type { Plan, PlanAction, PlanSummary } from '../core/plan.js';

export interface ImportOutcome {
  source_id: string;
  /** The asset in the target: new, updated, or the existing one left as it is. */
  asset_id: string | null;
  type: string;
  name: string;
  source_name: string;
  /** The package name, when the prefix changed it (`name` is the prefixed one). */
  renamed_from?: string;
  action: PlanAction;
  /** Its own conflict policy, when it is not its type's (`policies`): an expressions-ZIP file is always overwritten. */
  policy?: ConflictPolicy;
  status: 'enabled' | 'disabled';
  /** `skip`: not written, reported as failed. */
  failed?: { status_code: 409; reason: string };
  warnings: ImportWarning[];
}

export interface ImportReport {
  /** False when the plan has problems: then nothing is (or would be) written. */
  ok: boolean;
  dry_run: boolean;
  space_id: string | null;
  /** A space this import created (create_new, or a version or project that did not exist); a dry run names the one it would create (space_id null). */
  created_space?: { space_id: string | null; name: string } | null;
  /** The conflict policy applied to each asset type of the space's side. */
  policies: Record<string, ConflictPolicy>;
  summary: PlanSummary;
  items: ImportOutcome[];
  /** Notices about the inputs (the expressions ZIP), then every item's warnings in item order. */
  warnings: ImportWarning[];
  problems: Array<{ code: string; message: string; source_id?: string; type?: string; name?: string }>;
  account_updates: Array<{ asset_id: string; type: string; name: string; fields: string[] }>;
  /** Where the time went, in milliseconds (read = verify the package; plan; write = the transaction). */
  timings_ms?: Record<string, number>;
}

export function reportOf(plan: Plan, opts: { policies: Record<string, ConflictPolicy>; dryRun: boolean; spaceId: string | null; newIds?: ReadonlyMap<string, string>; notices?: ImportReport['warnings']; createdSpace?: ImportReport['created_space'] }): ImportReport {
  const items: ImportOutcome[] = plan.items.map((i) => ({
    source_id: i.sourceId,
    asset_id: opts.newIds?.get(i.sourceId) ?? i.targetId ?? null,
    type: i.type,
    name: i.name,
    source_name: i.sourceName,
    ...(i.renamedFrom !== undefined ? { renamed_from: i.renamedFrom } : {}),
    action: i.action,
    ...(i.policy !== undefined ? { policy: i.policy } : {}),
    status: i.status,
    ...(i.failed ? { failed: { status_code: i.failed.statusCode, reason: i.failed.reason } } : {}),
    warnings: i.warnings.map(importWarningOf),
  }));
  return {
    ok: plan.ok,
    dry_run: opts.dryRun,
    space_id: opts.spaceId,
    ...(opts.createdSpace !== undefined ? { created_space: opts.createdSpace } : {}),
    policies: opts.policies,
    summary: plan.summary,
    items,
    warnings: [...(opts.notices ?? []), ...plan.warnings.map(importWarningOf)],
    problems: plan.problems.map((p) => ({ code: p.code, message: p.message, ...(p.sourceId ? { source_id: p.sourceId } : {}), ...(p.type ? { type: p.type } : {}), ...(p.name ? { name: p.name } : {}) })),
    account_updates: plan.accountUpdates.map((u) => ({ asset_id: u.targetId, type: u.type, name: u.name, fields: u.fields })),
  };
}
