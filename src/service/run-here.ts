/**
 * Runs a job in the calling request: the job is created already claimed by this process
 * (so it counts as the caller's running job, shows in every job view, and is taken over by
 * a worker if this process dies), run here, and its final row returned. A refusal (a
 * domain error) is thrown as it is; a job a worker took over is waited for.
 */
import { hostname } from 'node:os';
import { pino } from 'pino';
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import type { JobRow } from '../jobs/job-types.js';
import { enqueueJob, getJob, type NewJob } from '../jobs/queue.js';
import { runClaimedJob } from '../jobs/run-job.js';
import type { JobContext } from '../jobs/worker.js';
import type { ServiceContext } from './context.js';

/** How often a job a worker took over is looked at. */
const WAIT_POLL_MS = 250;

/** The job is created claimed by this process (`onCreated` sees it before it runs); `run` is its handler. */
export async function runJobHere(ctx: ServiceContext, job: Omit<NewJob, 'claimedBy'>, run: (jc: JobContext) => Promise<unknown>, opts: { signal?: AbortSignal; onCreated?: (job: JobRow) => void } = {}): Promise<JobRow> {
  const workerId = `${hostname()}:${process.pid}:now:${newId32().slice(0, 8)}`;
  const leaseMs = ctx.config.jobLeaseSeconds * 1000;
  const row = await enqueueJob(ctx.db, { ...job, claimedBy: { workerId, leaseMs } });
  opts.onCreated?.(row);
  const logger = ctx.logger ?? pino({ level: 'silent' });
  const { outcome, error } = await runClaimedJob({ db: ctx.db, logger, leaseMs, workerId, handlers: new Map([[row.kind, run]]) }, row);
  if (outcome === 'FAILED' && error instanceof DomainError) throw error;
  const final = outcome === 'SUCCEEDED' ? await getJob(ctx.db, row.id) : await waitForJob(ctx, row.id, opts.signal);
  if (final?.state === 'SUCCEEDED') return final;
  // Not a refusal: the job crashed (or its worker died) and was given up.
  const reasons = final?.reasons ?? [];
  throw new DomainError('internal', reasons.map((r) => r.message).join(' ') || `The ${row.kind} failed; see the server log.`, { reasons, job_id: row.id });
}

/** Waits for a job a worker now runs (this process lost it, or it crashed and is retried). */
async function waitForJob(ctx: ServiceContext, id: string, signal: AbortSignal | undefined): Promise<JobRow | undefined> {
  for (;;) {
    const j = await getJob(ctx.db, id);
    if (!j || j.state === 'SUCCEEDED' || j.state === 'FAILED' || j.state === 'CANCELLED') return j;
    if (signal?.aborted) throw new DomainError('unavailable', `The job ${id} is still running; it completes or rolls back whole.`, { job_id: id });
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}
