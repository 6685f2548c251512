/** What an import (or its dry run) reports: per-asset outcomes, warnings, problems. */
import type { ConflictPolicy } from '../core/asset-types.js';
import type { Plan, PlanAction, PlanSummary } from '../core/plan.js';

export interface ImportOutcome {
  source_id: string;
  /** The asset in the target: new, updated, or the existing one left as it is. */
  asset_id: string | null;
  type: string;
  name: string;
  source_name: string;
  action: PlanAction;
  status: 'enabled' | 'disabled';
  failed?: { status_code: 409; reason: string };
  warnings: Array<{ code: string; message: string; fields?: string[] }>;
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
  warnings: Array<{ code: string; message: string; source_id?: string; type?: string; name?: string; fields?: string[] }>;
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
    action: i.action,
    status: i.status,
    ...(i.failed ? { failed: { status_code: i.failed.statusCode, reason: i.failed.reason } } : {}),
    warnings: i.warnings.map((w) => ({ code: w.code, message: w.message, ...(w.fields ? { fields: w.fields } : {}) })),
  }));
  return {
    ok: plan.ok,
    dry_run: opts.dryRun,
    space_id: opts.spaceId,
    ...(opts.createdSpace !== undefined ? { created_space: opts.createdSpace } : {}),
    policies: opts.policies,
    summary: plan.summary,
    items,
    warnings: [
      ...(opts.notices ?? []),
      ...plan.warnings.map((w) => ({ code: w.code, message: w.message, source_id: w.sourceId, type: w.type, name: w.name, ...(w.fields ? { fields: w.fields } : {}) })),
    ],
    problems: plan.problems.map((p) => ({ code: p.code, message: p.message, ...(p.sourceId ? { source_id: p.sourceId } : {}), ...(p.type ? { type: p.type } : {}), ...(p.name ? { name: p.name } : {}) })),
    account_updates: plan.accountUpdates.map((u) => ({ asset_id: u.targetId, type: u.type, name: u.name, fields: u.fields })),
  };
}
