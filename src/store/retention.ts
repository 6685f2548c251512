/**
 * Retention: removes finished jobs (SUCCEEDED, FAILED, CANCELLED) that ended before a
 * cut-off, with the blobs only they used (uploaded package, export archive), in small
 * batches. Each batch is one short transaction holding a transaction-scoped advisory lock,
 * so when several processes sweep the same database only one works on a batch at a time.
 * A QUEUED or RUNNING job, or one that ended after the cut-off, is never touched. Once a
 * finished import job is removed it can no longer be undone (undo reads the job row).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import { deleteFinishedJob } from './job-list.js';

/** The advisory lock key of the retention sweep (any fixed 64-bit number unique to it). */
const SWEEP_LOCK = 7_412_009_010;

/**
 * Removes up to `batch` finished jobs that ended before `before`. Returns how many were
 * removed, or null when another process holds the sweep lock (it is sweeping right now).
 */
async function sweepFinishedJobsBatch(db: Kysely<DB>, before: Date, batch: number): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    const lock = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}::bigint) AS ok`.execute(trx);
    if (!lock.rows[0]?.ok) return null;
    const rows = await trx
      .selectFrom('jobs')
      .select('id')
      .where('state', 'in', ['SUCCEEDED', 'FAILED', 'CANCELLED'])
      .where('finished_at', '<', before)
      .orderBy('finished_at')
      .limit(batch)
      .execute();
    let removed = 0;
    for (const r of rows) if (await deleteFinishedJob(trx, r.id)) removed++;
    return removed;
  });
}

/** Sweeps batch after batch until none is left (or another process holds the lock); how many. */
export async function sweepFinishedJobs(db: Kysely<DB>, before: Date, batch = 100): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await sweepFinishedJobsBatch(db, before, batch);
    if (n === null) return total;
    total += n;
    if (n < batch) return total;
  }
}
