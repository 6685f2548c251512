/** Following a job with a progress bar, and showing how it ended (with its exit code). */
import type { Api } from '../client.js';
import { waitForJob } from '../job-wait.js';
import type { Output } from '../output.js';
import type { Progress } from '../progress.js';
import { renderJob, type Job } from '../render-jobs.js';

/** Follows a job to its end, its progress on the bar (or, off a terminal, nothing until the end). */
export async function followJob(api: Api, id: string, progress: Progress, label: string): Promise<Job> {
  progress.phase(label, 100, 'percent');
  try {
    return await waitForJob(api, id, (p, state) => progress.update(Math.round(p * 100), state));
  } finally {
    progress.stop();
  }
}

/** Shows a finished job (JSON, or its detail with the result table); 0 when it SUCCEEDED, else 1. */
export function finishedJob(out: Output, job: Job, opts: { all?: boolean }): number {
  if (out.json) out.data(job);
  else out.line(renderJob(job, out.color, opts));
  if (job.state === 'SUCCEEDED') return 0;
  const first = job.reasons[0];
  out.note(`assetport: job_${job.state.toLowerCase()}: job ${job.id} ended ${job.state}${first ? `: ${first.code}: ${first.message.replace(/\s+/g, ' ')}` : ''}`);
  return 1;
}
