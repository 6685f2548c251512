/**
 * Retention, in small batches, each one short transaction holding a transaction-scoped
 * advisory lock, so when several processes sweep the same database only one works on a
 * batch at a time:
 * - finished jobs (SUCCEEDED, FAILED, CANCELLED) that ended before a cut-off go, with the
 *   blobs only they used (uploaded package, export archive); once a finished import job is
 *   removed it can no longer be undone (undo reads the job row);
 * - export archives of jobs that ended before a (shorter) cut-off go; the job stays, marked,
 *   so a download says the archive expired;
 * - uploaded packages no queued or running job needs (an upload cut off before its job was
 *   made, the input of a job that failed for good) go once older than a cut-off.
 * A QUEUED or RUNNING job, or one that ended after the cut-off, is never touched.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.js';
import { deleteFinishedJob } from './job-list.js';

/** The advisory lock key of the retention sweep (any fixed 64-bit number unique to it). */
const SWEEP_LOCK = 7_412_009_010;
const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

/** One batch under the sweep lock: how many it removed, or null when another process holds the lock. */
type Batch = (trx: Transaction<DB>, before: Date, batch: number) => Promise<number>;

/** Sweeps batch after batch until none is left (or another process holds the lock); how many. */
async function sweep(db: Kysely<DB>, before: Date, batch: number, one: Batch): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const lock = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}::bigint) AS ok`.execute(trx);
      return lock.rows[0]?.ok ? one(trx, before, batch) : null;
    });
    if (n === null) return total;
    total += n;
    if (n < batch) return total;
  }
}

const finishedJobsBatch: Batch = async (trx, before, batch) => {
  const rows = await trx.selectFrom('jobs').select('id').where('state', 'in', FINISHED).where('finished_at', '<', before).orderBy('finished_at').limit(batch).execute();
  let removed = 0;
  for (const r of rows) if (await deleteFinishedJob(trx, r.id)) removed++;
  return removed;
};

const archivesBatch: Batch = async (trx, before, batch) => {
  const rows = await trx
    .selectFrom('jobs')
    .select(['id', 'output_blob_id'])
    .where('output_blob_id', 'is not', null)
    .where('state', 'in', FINISHED)
    .where('finished_at', '<', before)
    .orderBy('finished_at')
    .limit(batch)
    .execute();
  if (rows.length === 0) return 0;
  await trx.updateTable('jobs').set({ archive_expired_at: new Date() }).where('id', 'in', rows.map((r) => r.id)).execute();
  // The jobs' references go with the blobs (ON DELETE SET NULL).
  await trx.deleteFrom('blobs').where('id', 'in', rows.map((r) => r.output_blob_id!)).execute();
  return rows.length;
};

const uploadsBatch: Batch = async (trx, before, batch) => {
  const r = await sql<{ id: string }>`
    DELETE FROM blobs WHERE id IN (
      SELECT b.id FROM blobs b
      WHERE b.created_at < ${before}
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.output_blob_id = b.id)
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.state IN ('QUEUED', 'RUNNING')
                          AND (j.input_blob_id = b.id OR j.params->>'expressions_blob_id' = b.id))
      ORDER BY b.created_at
      LIMIT ${batch})
    RETURNING id`.execute(trx);
  return r.rows.length;
};

/** Removes finished jobs that ended before `before`, with the blobs only they used; how many. */
export const sweepFinishedJobs = (db: Kysely<DB>, before: Date, batch = 100): Promise<number> => sweep(db, before, batch, finishedJobsBatch);

/** Removes the archives of exports that ended before `before` (the jobs stay, marked expired); how many. */
export const sweepArchives = (db: Kysely<DB>, before: Date, batch = 100): Promise<number> => sweep(db, before, batch, archivesBatch);

/** Removes uploads made before `before` that no queued or running job needs and that are no export's archive; how many. */
export const sweepUploads = (db: Kysely<DB>, before: Date, batch = 100): Promise<number> => sweep(db, before, batch, uploadsBatch);
