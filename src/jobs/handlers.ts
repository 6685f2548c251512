/** The job handlers this build knows, by job kind. */
import type { JobHandler } from './worker.js';
import type { JobDeps } from './job-deps.js';

export function jobHandlers(_deps: JobDeps): Map<string, JobHandler> {
  return new Map<string, JobHandler>();
}
