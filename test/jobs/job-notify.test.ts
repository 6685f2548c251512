/**
 * Live progress without polling: the database announces job changes (LISTEN/NOTIFY) to
 * every process. A stream opened on one app follows a job another app's worker runs and
 * sees every state; an idle worker whose poll is a minute away claims a job another app
 * queued at once; on PostgreSQL the listening connection comes back after it is killed.
 * On PostgreSQL the two apps hold separate database handles (pools and listeners), as two
 * processes would.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { sql } from 'kysely';
import { multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.js';
import { buildPackage } from '../helpers/packages.js';
import { openDatabase } from '../../src/store/database.js';
import { Worker } from '../../src/jobs/worker.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { enqueueJob } from '../../src/jobs/queue.js';
import type { JobChange } from '../../src/store/notifications.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = fn();
    if (v) return v;
    await sleep(20);
  }
  throw new Error('condition not met in time');
}

/** A second handle on the same database: on PostgreSQL its own pool and listener, like another process. */
async function secondHandle(t: TestDatabase): Promise<TestDatabase> {
  if (!t.url) return { database: t.database, drop: async () => undefined };
  const database = await openDatabase({ databaseUrl: t.url, poolSize: 3 });
  return { database, url: t.url, drop: () => database.close() };
}

describe('job changes through LISTEN/NOTIFY', () => {
  let t: TestDatabase;
  let other: TestDatabase;
  let a: TestApp;
  let space: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    other = await secondHandle(t);
    a = await startTestApp({}, { database: t });
    await request(a.url, 'POST', '/api/v1/orgs', { token: a.adminToken, json: { name: 'acme' } });
    space = (await request(a.url, 'POST', '/api/v1/orgs/acme/instances', { token: a.adminToken, json: { name: 'dev' } })).body.space_id as string;
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await other?.drop();
    await t?.drop();
  });

  const upload = async (n: number): Promise<string> => {
    const zip = await buildPackage('instance', Array.from({ length: n }, (_, i) => ({ type: 'function' as const, name: `f${randomBytes(4).toString('hex')}${i}`, body: { i } })));
    const r = await request(a.url, 'POST', `/api/v1/spaces/${space}/imports`, { token: a.adminToken, body: multipart({ package: zip }) });
    expect(r.status).toBe(202);
    return r.body.job_id as string;
  };

  const workerOn = (h: TestDatabase, pollMs: number) =>
    new Worker({ db: h.database.db, handlers: jobHandlers({ config: a.config, database: h.database, keyring: a.keyring, logger: pino({ level: 'silent' }) }), logger: pino({ level: 'silent' }), leaseMs: 10_000, pollMs, notifications: h.database.jobNotifications, progressAfterMs: 0 });

  it("a stream on one app sees every state and the progress of a job another app's worker runs", async () => {
    const id = await upload(600);
    const res = await fetch(`${a.url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${a.adminToken}` } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    const readMore = async () => {
      const { value, done } = await reader.read();
      if (done) return false;
      text += decoder.decode(value, { stream: true });
      return true;
    };
    while (!text.includes('\n\n')) await readMore();
    expect(text).toContain('"state":"QUEUED"');
    // Only now a worker starts, on the other handle: whatever the stream shows next came through the database.
    const w = workerOn(other, 60_000);
    w.start();
    try {
      while (await readMore());
    } finally {
      await w.stop(5000);
    }
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ event: m[1]!, data: JSON.parse(m[2]!) as { state: string; progress: number } }));
    expect(events.filter((e) => e.event === 'state').map((e) => e.data.state)).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(2);
    const seen = events.map((e) => e.data.progress);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { state: 'SUCCEEDED', progress: 1 } });
  }, 120_000);

  it('wakes an idle worker of another app at once (its poll is a minute away)', async () => {
    const w = workerOn(other, 60_000);
    w.start();
    try {
      await sleep(300); // it has looked once, found nothing, and sleeps
      const id = await upload(3);
      const job = await waitJob(a.url, a.adminToken, id, 30_000);
      expect(job.state).toBe('SUCCEEDED');
    } finally {
      await w.stop(5000);
    }
  }, 60_000);

  it.runIf(TEST_DB_KIND === 'postgres')('listens again after its connection is terminated', async () => {
    const changes: JobChange[] = [];
    let listening = 0;
    const stop = other.database.jobNotifications.subscribe({ onChange: (c) => changes.push(c), onResync: () => void listening++ });
    const listeners = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'assetport-listen'`.execute(t.database.db)).rows[0]!.n;
    try {
      // Both handles listen (the stream and the worker above started them).
      const end = Date.now() + 30_000;
      while ((await listeners()) < 2 && Date.now() < end) await sleep(50);
      const killed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'assetport-listen') k`.execute(t.database.db);
      expect(killed.rows[0]!.n).toBe(2);
      await waitFor(() => listening >= 1, 30_000);
      const job = await enqueueJob(t.database.db, { kind: 'no-such-kind', userId: null });
      const got = await waitFor(() => changes.find((c) => c.id === job.id));
      expect(got).toMatchObject({ kind: 'no-such-kind', state: 'QUEUED', progress: 0 });
    } finally {
      stop();
    }
  }, 60_000);
});

describe.runIf(TEST_DB_KIND === 'postgres')('a pool connection killed under a transaction', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it('fails that transaction, not the process, and the next query works', async () => {
    const db = t.database.db;
    const tx = db.transaction().execute(async (trx) => {
      const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid;
      // Between two statements, the connection is killed from elsewhere.
      const other = await openDatabase({ databaseUrl: t.url!, poolSize: 1 });
      try {
        await sql`SELECT pg_terminate_backend(${pid})`.execute(other.db);
      } finally {
        await other.close();
      }
      await sleep(200);
      await sql`SELECT 1`.execute(trx);
    });
    await expect(tx).rejects.toThrow();
    // (Without a listener on the checked-out connection, its 'error' event would have been an uncaught exception.)
    const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
    expect(r.rows[0]!.one).toBe(1);
  }, 60_000);
});
