/** How the native API shows engine objects. */
import type { JobListRow, JobRow } from '../../service/jobs.js';
import { withWordedWarnings } from './warning-text.js';

export function jobView(job: JobRow) {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    progress: job.progress,
    space_id: job.space_id,
    attempts: job.attempts,
    created_at: job.created_at.toISOString(),
    started_at: job.started_at?.toISOString() ?? null,
    finished_at: job.finished_at?.toISOString() ?? null,
    result: job.kind === 'import' ? withWordedWarnings(job.result ?? null) : (job.result ?? null),
    reasons: job.reasons,
    archive: job.output_blob_id ? `/api/v1/jobs/${job.id}/archive` : null,
  };
}

/** A job in a listing: what it is and how it went, never its result, parameters or archive. */
export function jobListView(job: JobListRow) {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    progress: job.progress,
    org_id: job.org_id,
    space_id: job.space_id,
    author: job.author,
    attempts: job.attempts,
    created_at: job.created_at.toISOString(),
    started_at: job.started_at?.toISOString() ?? null,
    finished_at: job.finished_at?.toISOString() ?? null,
    summary: job.summary,
    first_reason: job.first_reason,
    undone_by: job.undone_by,
    href: `/api/v1/jobs/${job.id}`,
  };
}
