/**
 * Waiting for a job: its event stream (`GET /jobs/{id}/events`: `state`, `progress`, then
 * `done` with the whole job), told each step; when the stream ends early (a restarted or
 * stopping server), the job is read and, while it has not ended, followed again.
 */
import type { Api } from './client.js';
import { CliError } from './output.js';
import { isFinished, type Job, type JobState } from './render-jobs.js';

export type OnJobProgress = (progress: number, state: JobState) => void;

const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function followOnce(api: Api, id: string, onProgress: OnJobProgress): Promise<Job | undefined> {
  for await (const e of api.events(`/jobs/${id}/events`)) {
    const d = e.data as Partial<Job>;
    if (e.event === 'done') return d as Job;
    if ((e.event === 'state' || e.event === 'progress') && typeof d.progress === 'number' && d.state) onProgress(d.progress, d.state);
  }
  return undefined;
}

export async function waitForJob(api: Api, id: string, onProgress: OnJobProgress = () => undefined): Promise<Job> {
  for (let attempt = 0; ; attempt++) {
    try {
      const done = await followOnce(api, id, onProgress);
      if (done) return done;
    } catch (e) {
      // A problem answer (the job is gone, the token expired) ends the wait; a lost connection does not.
      if ((e instanceof CliError && e.code !== 'unreachable') || attempt >= 20) throw e;
    }
    const job = await api.get<Job>(`/jobs/${id}`).catch((e: unknown) => {
      if (e instanceof CliError && e.code === 'unreachable' && attempt < 20) return undefined;
      throw e;
    });
    if (job && isFinished(job.state)) return job;
    await pause(Math.min(5000, 250 * 2 ** Math.min(attempt, 4)));
  }
}
