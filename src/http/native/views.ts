/** How the native API shows engine objects. */
import type { JobRow } from '../../service/jobs.js';
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
