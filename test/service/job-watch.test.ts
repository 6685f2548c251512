// A watch held while its caller reads the job (src/service/job-watch.ts): the caller's read
// is the first, and what is announced before the watcher is attached is read, not lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { enqueueJob } from '../../src/jobs/queue.js';
import type { JobRow } from '../../src/jobs/job-types.js';
import { JobWatch, type JobWatcher } from '../../src/service/job-watch.js';
import { JobNotifications } from '../../src/store/notifications.js';

/** Announcements made by hand: `announce` delivers a payload as the database would. */
function handSource() {
  let deliver: ((payload: string) => void) | undefined;
  const source = {
    start(_channel: string, onPayload: (p: string) => void, onListening: () => void) {
      deliver = onPayload;
      onListening();
    },
    close: async () => undefined,
  };
  return { source, announce: (job: { id: string; kind: string }, state: string, progress = 0) => deliver!(JSON.stringify({ id: job.id, kind: job.kind, state, progress })) };
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 2000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
};

describe('a held job watch', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const recorder = () => {
    const seen: { changes: string[]; reads: (JobRow | undefined)[] } = { changes: [], reads: [] };
    const watcher: JobWatcher = { change: (c) => void seen.changes.push(c.state), job: (j) => void seen.reads.push(j) };
    return { seen, watcher };
  };

  it('reads nothing of its own when nothing came while it was held', async () => {
    const job = await enqueueJob(t.database.db, { kind: 'export', userId: null });
    const { source, announce } = handSource();
    const watch = new JobWatch(t.database.db, new JobNotifications(source));
    const held = watch.hold(job.id);
    const { seen, watcher } = recorder();
    const stop = held.attach(watcher);
    announce(job, 'RUNNING', 0.5);
    expect(seen.changes).toEqual(['RUNNING']);
    expect(watch.reads).toBe(0);
    // An ended job is read, for the whole of it.
    announce(job, 'SUCCEEDED', 1);
    await until(() => seen.reads.length === 1);
    expect(watch.reads).toBe(1);
    stop();
    expect(watch.watchedJobs).toBe(0);
  });

  it('reads the job when something was announced while it was held, and drops a cancelled hold', async () => {
    const job = await enqueueJob(t.database.db, { kind: 'export', userId: null });
    const { source, announce } = handSource();
    const watch = new JobWatch(t.database.db, new JobNotifications(source));
    // Started listening before (another stream of the process): no resync for this watch.
    watch.hold('0'.repeat(32)).cancel();
    expect(watch.watchedJobs).toBe(0);
    const reads = watch.reads;
    const held = watch.hold(job.id);
    announce(job, 'RUNNING', 0.1);
    const { seen, watcher } = recorder();
    held.attach(watcher);
    await until(() => seen.reads.length === 1);
    expect(watch.reads).toBe(reads + 1);
    expect(seen.reads[0]!.id).toBe(job.id);
    expect(seen.changes).toEqual([]);
  });

  it('sets aside a read during which a change was announced, and reads again (the read may be older than the change)', async () => {
    const job = await enqueueJob(t.database.db, { kind: 'export', userId: null });
    const { source, announce } = handSource();
    const watch = new JobWatch(t.database.db, new JobNotifications(source));
    watch.hold('0'.repeat(32)).cancel();
    const { seen, watcher } = recorder();
    const stop = watch.hold(job.id).attach(watcher);
    const reads = watch.reads;
    // The job ends: a read starts; a change comes before its answer.
    announce(job, 'FAILED', 1);
    announce(job, 'FAILED', 1);
    await until(() => seen.reads.length === 1);
    expect(watch.reads).toBe(reads + 2);
    // Only the second read is shown.
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.reads).toHaveLength(1);
    expect(seen.changes).toEqual(['FAILED', 'FAILED']);
    stop();
  });
});
