/**
 * A worker: claims jobs of the kinds it has handlers for, runs one at a time, keeps the
 * lease alive while the handler runs, and records the outcome. On stop it claims nothing
 * more, lets the running job finish within the grace period, then gives it back.
 */
import { hostname } from 'node:os';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../store/schema.js';
import type { JobNotifications } from '../store/notifications.js';
import { newId32 } from '../core/ids.js';
import type { JobRow } from './job-types.js';
import { claimJob, releaseJob, type JobCompletion } from './queue.js';
import { runClaimedJob } from './run-job.js';

export interface JobContext {
  job: JobRow;
  db: Kysely<DB>;
  workerId: string;
  /** Aborted when the worker stops or loses the lease. */
  signal: AbortSignal;
  /**
   * Records progress (0..1); throttled, never throws, never waits: it is safe to call
   * inside a transaction (on PGlite the write simply queues behind it).
   */
  progress(p: number): void;
  /**
   * Marks the job SUCCEEDED inside the caller's transaction, so the job's effects and its
   * result commit together. Throws (rolling the transaction back) if the lease was lost.
   */
  complete(trx: Transaction<DB>, result: unknown, extra?: JobCompletion): Promise<void>;
}

/** A handler returns the job result (when it did not call ctx.complete itself). */
export type JobHandler = (ctx: JobContext) => Promise<unknown>;

export class LeaseLostError extends Error {
  constructor() {
    super('the job lease was lost to another worker');
  }
}

export interface WorkerHooks {
  onFinished?(job: JobRow, state: 'SUCCEEDED' | 'FAILED' | 'RELEASED' | 'RETRY', seconds: number): void;
  /** Every progress value a job reports, before throttling (for tests and diagnostics). */
  onProgress?(job: JobRow, progress: number): void;
}

export interface WorkerOptions {
  db: Kysely<DB>;
  handlers: ReadonlyMap<string, JobHandler>;
  logger: Logger;
  leaseMs: number;
  /** How often an idle worker looks for work when nothing woke it (a job whose worker died is found this way). */
  pollMs: number;
  /** Announcements of new jobs, any process's: an idle worker claims at once instead of at its next poll. */
  notifications?: JobNotifications;
  id?: string;
  hooks?: WorkerHooks;
  /** How long a job runs before its progress is first recorded (default 200 ms; see progress-writes.ts). */
  progressAfterMs?: number;
}

export class Worker {
  readonly id: string;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private current: { job: JobRow; done: Promise<void>; abort: AbortController } | undefined;
  /** The claim under way, if any. */
  private claiming: Promise<JobRow | undefined> | undefined;
  private wake: (() => void) | undefined;
  /** Set when woken while busy: look again at once after the running job. */
  private woken = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: WorkerOptions) {
    this.id = o.id ?? `${hostname()}:${process.pid}:${newId32().slice(0, 8)}`;
  }

  start(): void {
    if (this.loop) return;
    const kinds = new Set(this.o.handlers.keys());
    this.unsubscribe = this.o.notifications?.subscribe({
      onChange: (c) => {
        if (c.state === 'QUEUED' && kinds.has(c.kind)) this.poke();
      },
      onResync: () => this.poke(),
    });
    this.loop = this.run();
  }

  /** Asks the worker to look for work now (after an enqueue in this or another process). */
  poke(): void {
    this.woken = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const kinds = [...this.o.handlers.keys()];
    while (!this.stopping) {
      this.woken = false;
      let job: JobRow | undefined;
      try {
        this.claiming = claimJob(this.o.db, this.id, kinds, this.o.leaseMs);
        job = await this.claiming;
      } catch (e) {
        this.o.logger.error({ err: e }, 'claiming a job failed');
      } finally {
        this.claiming = undefined;
      }
      // A job claimed as a stop began runs too: stop() waits for it like for any running job.
      if (job) {
        const abort = new AbortController();
        const done = this.execute(job, abort);
        this.current = { job, done, abort };
        await done;
        this.current = undefined;
        continue;
      }
      if (this.woken || this.stopping) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.pollMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async execute(job: JobRow, abort: AbortController): Promise<void> {
    const { db, logger, leaseMs, handlers, hooks, progressAfterMs } = this.o;
    await runClaimedJob({ db, logger, leaseMs, workerId: this.id, handlers, hooks, progressAfterMs, stopping: () => this.stopping }, job, abort);
  }

  /** Stops claiming; waits up to `graceMs` for the running job, then aborts and gives it back. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.wake?.();
    // A claim under way may be taking a job (its announcement can reach a client first): the
    // loop sees its answer before this does, and makes it the running job.
    await this.claiming?.catch(() => undefined);
    const cur = this.current;
    if (cur) {
      this.o.logger.info({ job_id: cur.job.id, kind: cur.job.kind }, `waiting for job ${cur.job.id} (${cur.job.kind}) to finish (at most ${graceMs / 1000} s)`);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([cur.done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
      clearTimeout(timer);
      if (timedOut) {
        this.o.logger.warn({ job_id: cur.job.id, kind: cur.job.kind }, `job ${cur.job.id} (${cur.job.kind}) did not finish within ${graceMs / 1000} s: stopping it and giving it back to the queue`);
        cur.abort.abort(new Error('worker stopping'));
        await Promise.race([cur.done, new Promise((r) => setTimeout(r, 2000))]);
        await releaseJob(this.o.db, cur.job.id, this.id).catch(() => undefined);
      }
    }
    await this.loop;
  }
}
