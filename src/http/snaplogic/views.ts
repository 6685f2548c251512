/**
 * How the SnapLogic door shows an import's report: `{"response_map": {"successful",
 * "failed", "warnings"}, "http_status_code": 200}` (reference/snaplogic-apim-import.md).
 * `successful` lists every asset and expression file the import wrote (or would have
 * overwritten, had it differed),
 * and every account a `file_account` updated, each with its `snode_id`; `failed` the
 * existing names `skip` left alone (409); `warnings` each warning, with the asset's
 * `snode_id` and name where there is one. Pure.
 */
import { snapLogicWarningMessage } from '../../core/import-warnings.js';
import type { ImportReport } from '../../service/imports.js';
import type { JobRow } from '../../service/jobs.js';

export interface Named { snode_id: string; name: string }
export interface FailedItem extends Named { reason: string; status_code: number }
export interface WarningItem { snode_id?: string; name: string; message: string }

export interface ImportResponseMap {
  successful: Named[];
  failed: FailedItem[];
  warnings: WarningItem[];
}

const WRITTEN = new Set(['create', 'update']);

/** Written, or identical to what the import would have written (an overwrite that changed nothing). */
const imported = (report: ImportReport, i: ImportReport['items'][number]): boolean => WRITTEN.has(i.action) || (i.action === 'unchanged' && (i.policy ?? report.policies[i.type]) === 'overwrite');

export function responseMapOf(report: ImportReport): ImportResponseMap {
  const successful: Named[] = [];
  const failed: FailedItem[] = [];
  const listed = new Set<string>();
  for (const i of report.items) {
    const id = i.asset_id ?? i.source_id;
    if (i.failed) failed.push({ reason: i.failed.reason, snode_id: id, name: i.name, status_code: i.failed.status_code });
    else if (imported(report, i)) {
      successful.push({ snode_id: id, name: i.name });
      listed.add(id);
    }
  }
  for (const u of report.account_updates) if (!listed.has(u.asset_id)) successful.push({ snode_id: u.asset_id, name: u.name });
  const idOf = new Map(report.items.map((i) => [i.source_id, i.asset_id ?? i.source_id]));
  const warnings = report.warnings.map((w): WarningItem => {
    const s = w.subject;
    if ('file' in s) return { name: s.file, message: snapLogicWarningMessage(w) };
    const id = idOf.get(s.source_id);
    return { ...(id ? { snode_id: id } : {}), name: s.name, message: snapLogicWarningMessage(w) };
  });
  return { successful, failed, warnings };
}

export const importAnswer = (report: ImportReport) => ({ response_map: responseMapOf(report), http_status_code: 200 });

/** SnapLogic's three states of an asynchronous migration. */
const STATUS: Record<JobRow['state'], 'Started' | 'Completed' | 'Failed'> = { QUEUED: 'Started', RUNNING: 'Started', SUCCEEDED: 'Completed', FAILED: 'Failed', CANCELLED: 'Failed' };

/** The status of a migration: its state, and its result once it has one. */
export function migrationStatus(job: JobRow) {
  const status = STATUS[job.state];
  return {
    response_map: {
      status,
      status_token: job.id,
      ...(status === 'Completed' && job.result ? responseMapOf(job.result as ImportReport) : {}),
      ...(status === 'Failed' ? { error_list: job.reasons.length ? job.reasons.map((r) => ({ message: r.message })) : [{ message: `The migration was ${job.state.toLowerCase()}.` }] } : {}),
    },
    http_status_code: 200,
  };
}
