import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.js';
import { openDatabase } from '../../src/store/database.js';
import { claimJob, completeJob, enqueueJob, failJob, getJob } from '../../src/jobs/queue.js';
import { getBlob, writeBlob } from '../../src/store/blobs.js';
import { sweepArchives, sweepFinishedJobs, sweepUploads } from '../../src/store/retention.js';
import { sweepOnce } from '../../src/jobs/retention-timer.js';

describe('retention sweep', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const blob = async () => (await writeBlob(t.database.db, Readable.from([Buffer.from('PK-data')]), { maxBytes: 1000 })).id;

  it('removes finished jobs that ended before the cut-off with their blobs, never a running or recent job', async () => {
    const db = t.database.db;
    const oldIn = await blob();
    const oldOut = await blob();
    const old = await enqueueJob(db, { kind: 'ret.a', userId: null, params: {}, inputBlobId: oldIn });
    const runIn = await blob();
    const running = await enqueueJob(db, { kind: 'ret.b', userId: null, params: {}, inputBlobId: runIn });
    const recentIn = await blob();
    const recent = await enqueueJob(db, { kind: 'ret.c', userId: null, params: {}, inputBlobId: recentIn });
    expect((await claimJob(db, 'w', ['ret.a'], 60_000))?.id).toBe(old.id);
    expect(await completeJob(db, old.id, 'w', {}, { output_blob_id: oldOut })).toBe(true);
    expect((await claimJob(db, 'w', ['ret.c'], 60_000))?.id).toBe(recent.id);
    expect(await completeJob(db, recent.id, 'w', {})).toBe(true);
    expect((await claimJob(db, 'w', ['ret.b'], 60_000))?.id).toBe(running.id);
    // A fixed "now": the old job ended ten days ago, the recent one an hour ago; the running one's start is long past.
    const now = new Date('2030-01-10T00:00:00Z');
    await db.updateTable('jobs').set({ finished_at: new Date('2029-12-31T00:00:00Z') }).where('id', '=', old.id).execute();
    await db.updateTable('jobs').set({ finished_at: new Date('2030-01-09T23:00:00Z') }).where('id', '=', recent.id).execute();
    await db.updateTable('jobs').set({ created_at: new Date('2029-01-01T00:00:00Z') }).where('id', '=', running.id).execute();

    const cutoff = new Date(now.getTime() - 24 * 3600_000);
    expect(await sweepFinishedJobs(db, cutoff, 1)).toBe(1);
    expect(await getJob(db, old.id)).toBeUndefined();
    expect(await getBlob(db, oldIn)).toBeUndefined();
    expect(await getBlob(db, oldOut)).toBeUndefined();
    expect((await getJob(db, running.id))?.state).toBe('RUNNING');
    expect(await getBlob(db, runIn)).toBeDefined();
    expect((await getJob(db, recent.id))?.state).toBe('SUCCEEDED');
    expect(await getBlob(db, recentIn)).toBeDefined();
    // Nothing left to sweep: a second sweep removes nothing.
    expect(await sweepFinishedJobs(db, cutoff, 1)).toBe(0);
  });

  it('removes old uploads no queued or running job needs, never an archive or a live job\'s input', async () => {
    const db = t.database.db;
    const made = (id: string, at: string) => db.updateTable('blobs').set({ created_at: new Date(at) }).where('id', '=', id).execute();
    const orphanOld = await blob();
    const orphanNew = await blob();
    const queuedIn = await blob();
    const queuedExpr = await blob();
    const failedIn = await blob();
    const archive = await blob();
    await enqueueJob(db, { kind: 'up.q', userId: null, params: { expressions_blob_id: queuedExpr }, inputBlobId: queuedIn });
    const failed = await enqueueJob(db, { kind: 'up.f', userId: null, params: {}, inputBlobId: failedIn });
    expect((await claimJob(db, 'w', ['up.f'], 60_000))?.id).toBe(failed.id);
    expect(await failJob(db, failed.id, 'w', [{ code: 'refused', message: 'no' }])).toBe(true);
    const exp = await enqueueJob(db, { kind: 'up.e', userId: null, params: {} });
    expect((await claimJob(db, 'w', ['up.e'], 60_000))?.id).toBe(exp.id);
    expect(await completeJob(db, exp.id, 'w', {}, { output_blob_id: archive })).toBe(true);
    for (const id of [orphanOld, queuedIn, queuedExpr, failedIn, archive]) await made(id, '2000-01-01T00:00:00Z');
    await made(orphanNew, '2000-01-09T23:00:00Z');

    expect(await sweepUploads(db, new Date('2000-01-09T00:00:00Z'), 1)).toBe(2);
    for (const gone of [orphanOld, failedIn]) expect(await getBlob(db, gone)).toBeUndefined();
    for (const kept of [orphanNew, queuedIn, queuedExpr, archive]) expect(await getBlob(db, kept)).toBeDefined();
    expect((await getJob(db, failed.id))?.state).toBe('FAILED');
    expect(await sweepUploads(db, new Date('2000-01-09T00:00:00Z'))).toBe(0);
  });

  it('removes the archives of exports that ended before the cut-off, keeping the jobs marked', async () => {
    const db = t.database.db;
    const oldOut = await blob();
    const newOut = await blob();
    const jobs = [];
    for (const [out, at] of [[oldOut, '2000-02-01T00:00:00Z'], [newOut, '2000-02-09T00:00:00Z']] as const) {
      const j = await enqueueJob(db, { kind: 'arc', userId: null, params: {} });
      expect((await claimJob(db, 'w', ['arc'], 60_000))?.id).toBe(j.id);
      expect(await completeJob(db, j.id, 'w', {}, { output_blob_id: out })).toBe(true);
      await db.updateTable('jobs').set({ finished_at: new Date(at) }).where('id', '=', j.id).execute();
      jobs.push(j.id);
    }
    expect(await sweepArchives(db, new Date('2000-02-05T00:00:00Z'))).toBe(1);
    expect(await getBlob(db, oldOut)).toBeUndefined();
    expect(await getBlob(db, newOut)).toBeDefined();
    const [oldJob, newJob] = [await getJob(db, jobs[0]!), await getJob(db, jobs[1]!)];
    expect(oldJob).toMatchObject({ state: 'SUCCEEDED', output_blob_id: null });
    expect(oldJob?.archive_expired_at).toBeInstanceOf(Date);
    expect(newJob).toMatchObject({ output_blob_id: newOut, archive_expired_at: null });
  });

  it('one sweep applies each retention time; 0 keeps that kind for good', async () => {
    const db = t.database.db;
    const orphan = await blob();
    await db.updateTable('blobs').set({ created_at: new Date('1999-01-01T00:00:00Z') }).where('id', '=', orphan).execute();
    const now = new Date('1999-01-03T00:00:00Z').getTime();
    const keep = await sweepOnce(db, { retainJobsHours: 0, retainArchivesHours: 0, retainUploadsHours: 0 }, now);
    expect(keep).toMatchObject({ jobs: 0, archives: 0, uploads: 0 });
    expect(await getBlob(db, orphan)).toBeDefined();
    const swept = await sweepOnce(db, { retainJobsHours: 0, retainArchivesHours: 0, retainUploadsHours: 24 }, now);
    expect(swept.uploads).toBe(1);
    expect(await getBlob(db, orphan)).toBeUndefined();
  });
});

describe.runIf(TEST_DB_KIND === 'postgres')('retention sweep with several processes', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('leaves everything alone while another connection holds the sweep lock', async () => {
    const db = t.database.db;
    const job = await enqueueJob(db, { kind: 'ret.lock', userId: null, params: {} });
    expect((await claimJob(db, 'w', ['ret.lock'], 60_000))?.id).toBe(job.id);
    expect(await completeJob(db, job.id, 'w', {})).toBe(true);
    await db.updateTable('jobs').set({ finished_at: new Date('2029-12-31T00:00:00Z') }).where('id', '=', job.id).execute();
    const other = await openDatabase({ databaseUrl: t.url!, poolSize: 1 });
    try {
      await other.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(7412009010::bigint)`.execute(trx);
        expect(await sweepFinishedJobs(db, new Date('2030-01-01T00:00:00Z'))).toBe(0);
      });
    } finally {
      await other.close();
    }
    expect(await getJob(db, job.id)).toBeDefined();
    expect(await sweepFinishedJobs(db, new Date('2030-01-01T00:00:00Z'))).toBe(1);
    expect(await getJob(db, job.id)).toBeUndefined();
  });
});
