/** How the ROMA door shows a job (reference/roma-connect-assets.md, "The asset job object"). */
import type { JobRow } from '../../service/jobs.js';
import { romaCodeOfReason } from './errors.js';

const TYPES: Record<string, string> = { import: 'importAsset', export: 'exportAsset', delete: 'deleteAsset' };
/** ROMA knows RUNNING, SUCCEEDED and FAILED: a queued job is running for it; a cancelled one failed. */
const STATUS: Record<JobRow['state'], 'RUNNING' | 'SUCCEEDED' | 'FAILED'> = { QUEUED: 'RUNNING', RUNNING: 'RUNNING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', CANCELLED: 'FAILED' };
const MAX_REASONS = 10;
const MAX_TEXT = 64;

const time = (d: Date | null): string | null => (d ? `${d.toISOString().slice(0, 19)}Z` : null);
const cut = (s: string): string => (s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 1)}…`);

export interface RomaReason {
  resource_type: string;
  resource_name: string;
  error_code: string;
  error_msg: string;
}

function romaReasons(job: JobRow): RomaReason[] {
  return job.reasons.slice(0, MAX_REASONS).map((r) => ({
    resource_type: r.resource_type ?? '',
    resource_name: cut(r.resource_name ?? ''),
    error_code: romaCodeOfReason(r.code),
    error_msg: cut(r.message),
  }));
}

export function romaJobView(job: JobRow) {
  const reasons = romaReasons(job);
  return {
    id: job.id,
    type: TYPES[job.kind] ?? job.kind,
    status: STATUS[job.state],
    reasons,
    reason: reasons,
    progress_percent: job.progress,
    ...(job.kind === 'export' && job.state === 'SUCCEEDED' && job.output_blob_id ? { archive_id: job.output_blob_id } : {}),
    begin_time: time(job.started_at ?? job.created_at),
    end_time: time(job.finished_at),
  };
}
