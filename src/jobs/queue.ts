/**
 * The job queue: jobs are rows. Workers claim with FOR UPDATE SKIP LOCKED and hold a lease
 * they renew; a job whose lease expired is claimed again (up to max_attempts, then FAILED).
 * Every state change after the claim is conditional on still holding the lease, so a
 * worker that lost its job can never overwrite the work of the one that took it over.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../store/schema.js';
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import type { JobReason, JobRow } from './job-types.js';

type Db = Kysely<DB> | Transaction<DB>;

const normalize = (r: Record<string, unknown>): JobRow => ({ ...(r as unknown as JobRow), progress: Number(r.progress), attempts: Number(r.attempts), max_attempts: Number(r.max_attempts) });

export interface NewJob {
  kind: string;
  userId: string | null;
  orgId?: string | null;
  spaceId?: string | null;
  params?: Record<string, unknown>;
  /** Counts against the one-active-asset-job-per-user rule. */
  assetJob?: boolean;
  inputBlobId?: string | null;
  maxAttempts?: number;
  id?: string;
  /** Created RUNNING, already claimed by this worker id with a lease (a job run by the request that made it). */
  claimedBy?: { workerId: string; leaseMs: number };
}

export async function enqueueJob(db: Db, j: NewJob): Promise<JobRow> {
  try {
    const r = await db
      .insertInto('jobs')
      .values({
        id: j.id ?? newId32(),
        kind: j.kind,
        user_id: j.userId,
        org_id: j.orgId ?? null,
        space_id: j.spaceId ?? null,
        params: JSON.stringify(j.params ?? {}),
        reasons: '[]',
        asset_job: j.assetJob ?? false,
        input_blob_id: j.inputBlobId ?? null,
        ...(j.maxAttempts !== undefined ? { max_attempts: j.maxAttempts } : {}),
        ...(j.claimedBy
          ? { state: 'RUNNING' as const, attempts: 1, lease_owner: j.claimedBy.workerId, lease_expires_at: sql<Date>`now() + make_interval(secs => ${j.claimedBy.leaseMs / 1000})`, started_at: sql<Date>`now()` }
          : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return normalize(r as Record<string, unknown>);
  } catch (e) {
    if (isUniqueViolation(e, 'jobs_one_active_asset_job')) throw await jobRunningError(db, j.userId);
    throw e;
  }
}

/** The refusal of a second asset job, naming the user's job that is queued or running. */
async function jobRunningError(db: Db, userId: string | null): Promise<DomainError> {
  // Inside a transaction the failed insert aborted it (on PostgreSQL): then the job is not named.
  const active = userId
    ? await db
        .selectFrom('jobs')
        .select(['id', 'kind', 'state'])
        .where('user_id', '=', userId)
        .where('asset_job', '=', true)
        .where('state', 'in', ['QUEUED', 'RUNNING'])
        .executeTakeFirst()
        .catch(() => undefined)
    : undefined;
  if (!active) return new DomainError('job_running', 'An asset job of this user is already queued or running; wait for it to finish.');
  return new DomainError(
    'job_running',
    `Your ${active.kind} job ${active.id} is ${active.state === 'QUEUED' ? 'queued' : 'running'}; one asset job runs at a time per user. Wait for it to finish, or cancel it while it is queued.`,
    { job_id: active.id, job_kind: active.kind, job_state: active.state },
  );
}

export async function getJob(db: Db, id: string): Promise<JobRow | undefined> {
  const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? normalize(r as Record<string, unknown>) : undefined;
}

const LEASE_EXPIRED_REASON: JobReason[] = [{ code: 'job.lease_expired', message: 'The worker running this job stopped responding too many times; the job was given up.' }];

/**
 * Claims the oldest claimable job of the given kinds: QUEUED, or RUNNING with an expired
 * lease (its worker died). Returns undefined when there is none. The same statement fails
 * the RUNNING jobs whose lease expired and that have used up their attempts (none of them
 * is claimable): one round trip per claim.
 *
 * The claim commits without waiting for its flush to disk (synchronous_commit off for its
 * own transaction only): a claim is bookkeeping that a crash may undo — the job is then
 * QUEUED again and claimed anew, and its worker's transaction, which died with the
 * connection, wrote nothing. What a job does commits in one synchronous transaction, only
 * while its worker holds the lease, and that commit flushes the claim before it.
 */
export async function claimJob(db: Kysely<DB>, workerId: string, kinds: readonly string[], leaseMs: number): Promise<JobRow | undefined> {
  if (kinds.length === 0) return undefined;
  const r = await sql<Record<string, unknown>>`
    WITH no_flush_wait AS (SELECT set_config('synchronous_commit', 'off', true)),
    given_up AS (
      UPDATE jobs SET
        state = 'FAILED', reasons = ${JSON.stringify(LEASE_EXPIRED_REASON)}, finished_at = now(), updated_at = now(),
        lease_owner = NULL, lease_expires_at = NULL
      WHERE state = 'RUNNING' AND lease_expires_at < now() AND attempts >= max_attempts
      RETURNING id)
    UPDATE jobs SET
      state = 'RUNNING',
      attempts = attempts + 1,
      lease_owner = ${workerId},
      lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}),
      started_at = coalesce(started_at, now()),
      updated_at = now()
    FROM no_flush_wait
    WHERE id = (
      SELECT id FROM jobs
      WHERE kind = ANY(${[...kinds]}::text[])
        AND (state = 'QUEUED' OR (state = 'RUNNING' AND lease_expires_at < now() AND attempts < max_attempts))
      ORDER BY created_at, id
      FOR UPDATE SKIP LOCKED
      LIMIT 1)
    RETURNING jobs.*`.execute(db);
  const row = r.rows[0];
  return row ? normalize(row) : undefined;
}

/** Renews the lease; false when this worker no longer holds the job. */
export async function renewLease(db: Db, jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
  const r = await sql`
    UPDATE jobs SET lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
    WHERE id = ${jobId} AND lease_owner = ${workerId} AND state = 'RUNNING'`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

export async function setProgress(db: Db, jobId: string, workerId: string, progress: number): Promise<boolean> {
  const p = Math.min(1, Math.max(0, progress));
  const r = await db.updateTable('jobs').set({ progress: p, updated_at: new Date() }).where('id', '=', jobId).where('lease_owner', '=', workerId).where('state', '=', 'RUNNING').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

async function finish(db: Db, jobId: string, workerId: string, set: Record<string, unknown>): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ ...set, lease_owner: null, lease_expires_at: null, finished_at: new Date(), updated_at: new Date() })
    .where('id', '=', jobId)
    .where('lease_owner', '=', workerId)
    .where('state', '=', 'RUNNING')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** What a job's completion records besides its result: its archive, its reasons, the space it wrote (an import may have made it). */
export interface JobCompletion {
  output_blob_id?: string;
  reasons?: JobReason[];
  space_id?: string;
}

/** Marks the job SUCCEEDED; run it in the transaction that wrote the job's effects. */
export const completeJob = (db: Db, jobId: string, workerId: string, result: unknown, extra: JobCompletion = {}): Promise<boolean> =>
  finish(db, jobId, workerId, {
    state: 'SUCCEEDED',
    progress: 1,
    result: JSON.stringify(result ?? null),
    ...(extra.output_blob_id ? { output_blob_id: extra.output_blob_id } : {}),
    ...(extra.reasons ? { reasons: JSON.stringify(extra.reasons) } : {}),
    ...(extra.space_id ? { space_id: extra.space_id } : {}),
  });

export const failJob = (db: Db, jobId: string, workerId: string, reasons: JobReason[], result: unknown = null): Promise<boolean> =>
  finish(db, jobId, workerId, { state: 'FAILED', reasons: JSON.stringify(reasons), result: JSON.stringify(result) });

/** Gives a claimed job back (graceful shutdown): QUEUED again, the attempt not counted. */
export async function releaseJob(db: Db, jobId: string, workerId: string): Promise<boolean> {
  const r = await sql`
    UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,
      attempts = greatest(attempts - 1, 0), updated_at = now()
    WHERE id = ${jobId} AND lease_owner = ${workerId} AND state = 'RUNNING'`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Puts a job whose attempt failed with a passing fault back in the queue (if attempts remain). */
export async function retryLater(db: Db, jobId: string, workerId: string): Promise<boolean> {
  const r = await sql`
    UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
    WHERE id = ${jobId} AND lease_owner = ${workerId} AND state = 'RUNNING' AND attempts < max_attempts`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Cancels a QUEUED job. */
export async function cancelQueuedJob(db: Db, jobId: string): Promise<boolean> {
  const r = await db.updateTable('jobs').set({ state: 'CANCELLED', finished_at: new Date(), updated_at: new Date() }).where('id', '=', jobId).where('state', '=', 'QUEUED').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
