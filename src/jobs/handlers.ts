/** The job handlers this build knows, by job kind. */
import type { JobHandler } from './worker.js';
import type { JobDeps } from './job-deps.js';
import { importHandler } from './import-job.js';
import { exportHandler } from './export-job.js';
import { undoHandler } from './undo-job.js';
import { deleteHandler } from './delete-job.js';
import { migrateHandler } from './migrate-job.js';

export const JOB_KINDS = { import: 'import', export: 'export', delete: 'delete', undo: 'undo', migrate: 'migrate' } as const;

export function jobHandlers(deps: JobDeps): Map<string, JobHandler> {
  return new Map<string, JobHandler>([
    [JOB_KINDS.import, importHandler(deps)],
    [JOB_KINDS.export, exportHandler(deps)],
    [JOB_KINDS.delete, deleteHandler(deps)],
    [JOB_KINDS.undo, undoHandler(deps)],
    [JOB_KINDS.migrate, migrateHandler(deps)],
  ]);
}
