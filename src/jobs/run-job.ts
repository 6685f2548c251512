/**
 * Runs one claimed job to its end: keeps the lease alive while the handler runs, and
 * records the outcome (SUCCEEDED, FAILED with reasons, given back, or queued again after a
 * crash). Workers run the jobs they claim through it, and so does a synchronous import
 * (`runImportNow`) that claimed its own job when creating it.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isDomainError } from '../core/errors.js';
import type { DB } from '../store/schema.js';
import type { JobReason, JobRow } from './job-types.js';
import { ProgressWrites } from './progress-writes.js';
import { completeJob, failJob, releaseJob, renewLease, retryLater, setProgress } from './queue.js';
import { LeaseLostError, type JobContext, type JobHandler, type WorkerHooks } from './worker.js';

export type JobOutcome = 'SUCCEEDED' | 'FAILED' | 'RELEASED' | 'RETRY';

export interface RunJobOptions {
  db: Kysely<DB>;
  logger: Logger;
  leaseMs: number;
  workerId: string;
  handlers: ReadonlyMap<string, JobHandler>;
  hooks?: WorkerHooks | undefined;
  /** True once the owner is shutting down: an aborted job is then given back, not failed. */
  stopping?: () => boolean;
  /** How long a job runs before its progress is first recorded (progress-writes.ts; default 200 ms). */
  progressAfterMs?: number;
}

/** Runs the job; resolves with its outcome and, when it failed or crashed, what was thrown. */
export async function runClaimedJob(o: RunJobOptions, job: JobRow, abort = new AbortController()): Promise<{ outcome: JobOutcome; error?: unknown }> {
  const { db, logger, leaseMs } = o;
  const log = logger.child({ job_id: job.id, kind: job.kind, attempt: job.attempts });
  const started = Date.now();
  let leaseLost = false;
  const beat = setInterval(() => {
    renewLease(db, job.id, o.workerId, leaseMs)
      .then((ok) => {
        if (!ok && !leaseLost) {
          leaseLost = true;
          // A job already stopped (a shutdown past its grace period gives it back to the
          // queue, which ends the lease) has not lost it to anyone: nothing to warn about.
          if (abort.signal.aborted) return;
          log.warn('lease lost; abandoning the job');
          abort.abort(new LeaseLostError());
        }
      })
      .catch((e: unknown) => log.warn({ err: e }, 'lease renewal failed'));
  }, Math.max(50, Math.floor(leaseMs / 3)));
  const progress = new ProgressWrites((p) => void setProgress(db, job.id, o.workerId, p).catch(() => undefined), o.progressAfterMs);
  let completed = false;
  const ctx: JobContext = {
    job,
    db,
    workerId: o.workerId,
    signal: abort.signal,
    progress: (p) => {
      o.hooks?.onProgress?.(job, p);
      progress.report(p);
    },
    complete: async (trx, result, extra) => {
      if (!(await completeJob(trx, job.id, o.workerId, result, extra))) throw new LeaseLostError();
      completed = true;
    },
  };
  const handler = o.handlers.get(job.kind);
  let outcome: JobOutcome = 'FAILED';
  let error: unknown;
  try {
    if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
    log.info('job started');
    const result = await handler(ctx);
    if (!completed && !(await completeJob(db, job.id, o.workerId, result))) throw new LeaseLostError();
    outcome = 'SUCCEEDED';
    log.info({ seconds: (Date.now() - started) / 1000 }, 'job succeeded');
  } catch (e) {
    error = e;
    if (e instanceof LeaseLostError || leaseLost) {
      outcome = 'RELEASED';
    } else if (o.stopping?.() && abort.signal.aborted) {
      outcome = (await releaseJob(db, job.id, o.workerId).catch(() => false)) ? 'RELEASED' : 'FAILED';
      log.info('job given back at shutdown');
    } else if (isDomainError(e)) {
      // A domain error may carry every problem at once (details.reasons), else it is the one reason.
      const listed = e.details?.reasons;
      const reasons: JobReason[] = Array.isArray(listed) ? (listed as JobReason[]) : [{ code: e.code, message: e.message }];
      const result = e.details?.result ?? null;
      await failJob(db, job.id, o.workerId, reasons, result).catch((err: unknown) => log.error({ err }, 'recording the failure failed'));
      log.info({ code: e.code }, 'job failed');
    } else {
      log.error({ err: e }, 'job crashed');
      if (await retryLater(db, job.id, o.workerId).catch(() => false)) {
        outcome = 'RETRY';
      } else {
        await failJob(db, job.id, o.workerId, [{ code: 'internal', message: 'The job failed because of an internal error; see the server log.' }]).catch(() => undefined);
      }
    }
  } finally {
    clearInterval(beat);
    progress.end();
    o.hooks?.onFinished?.(job, outcome, (Date.now() - started) / 1000);
  }
  return outcome === 'SUCCEEDED' ? { outcome } : { outcome, error };
}
