import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.js';
import { newId32 } from '../../src/core/ids.js';
import { DomainError } from '../../src/core/errors.js';
import { claimJob, completeJob, enqueueJob, getJob, renewLease } from '../../src/jobs/queue.js';
import { Worker, type JobHandler } from '../../src/jobs/worker.js';
import type { JobRow } from '../../src/jobs/job-types.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something; the ceiling is generous, for a busy machine. */
async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(50);
  }
  throw new Error('condition not met in time');
}

describe('job queue', () => {
  let t: TestDatabase;
  const users: string[] = [];
  const newUser = async () => {
    const id = newId32();
    await t.database.db.insertInto('users').values({ id, name: `u_${id.slice(0, 8)}`, password_hash: 'x' }).execute();
    users.push(id);
    return id;
  };
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('claims, completes, and never hands one job to two workers', async () => {
    const db = t.database.db;
    const job = await enqueueJob(db, { kind: 'test.a', userId: null, params: { n: 1 } });
    expect(job.state).toBe('QUEUED');
    const [a, b] = await Promise.all([claimJob(db, 'w1', ['test.a'], 5000), claimJob(db, 'w2', ['test.a'], 5000)]);
    const claimed = [a, b].filter(Boolean) as JobRow[];
    expect(claimed).toHaveLength(1);
    expect(claimed[0]?.state).toBe('RUNNING');
    expect(claimed[0]?.attempts).toBe(1);
    const owner = claimed[0]?.lease_owner as string;
    expect(await completeJob(db, job.id, owner === 'w1' ? 'w2' : 'w1', { x: 1 })).toBe(false);
    expect(await completeJob(db, job.id, owner, { x: 1 })).toBe(true);
    const done = await getJob(db, job.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: 1, result: { x: 1 } });
  });

  it('accepts exactly one of 100 concurrent asset jobs by one user', async () => {
    const uid = await newUser();
    const attempts = await Promise.allSettled(
      Array.from({ length: 100 }, () => enqueueJob(t.database.db, { kind: 'test.a', userId: uid, assetJob: true })),
    );
    const ok = attempts.filter((r) => r.status === 'fulfilled');
    const refused = attempts.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(99);
    for (const r of refused) expect((r.reason as DomainError).code).toBe('job_running');
    // Another user is not affected; a finished job frees the slot.
    const other = await newUser();
    await enqueueJob(t.database.db, { kind: 'test.a', userId: other, assetJob: true });
    const only = (ok[0] as PromiseFulfilledResult<JobRow>).value;
    await t.database.db.updateTable('jobs').set({ state: 'CANCELLED' }).where('id', '=', only.id).execute();
    await enqueueJob(t.database.db, { kind: 'test.a', userId: uid, assetJob: true });
  });

  it('takes a job again when its lease expires, and fails it after max attempts', async () => {
    const db = t.database.db;
    const job = await enqueueJob(db, { kind: 'test.lease', userId: null, maxAttempts: 2 });
    // A lease far longer than the test keeps the job from everyone else, however slow the machine.
    const first = await claimJob(db, 'dead-1', ['test.lease'], 600_000);
    expect(first?.id).toBe(job.id);
    expect(await claimJob(db, 'w-other', ['test.lease'], 600_000)).toBeUndefined();
    // Cut the lease short (renewing it to 100 ms), then wait until another worker may take it.
    expect(await renewLease(db, job.id, 'dead-1', 100)).toBe(true);
    const second = await waitFor(() => claimJob(db, 'dead-2', ['test.lease'], 600_000));
    expect(second).toMatchObject({ id: job.id, attempts: 2, lease_owner: 'dead-2' });
    expect(await renewLease(db, job.id, 'dead-1', 100)).toBe(false);
    // Its second lease expires too: with no attempts left, nobody gets it and it fails.
    expect(await renewLease(db, job.id, 'dead-2', 100)).toBe(true);
    const failed = await waitFor(async () => {
      expect(await claimJob(db, 'w3', ['test.lease'], 600_000)).toBeUndefined();
      const j = await getJob(db, job.id);
      return j?.state === 'FAILED' && j;
    });
    expect(failed.reasons[0]?.code).toBe('job.lease_expired');
  });

  it('runs handlers: result, progress, domain errors as reasons', async () => {
    const db = t.database.db;
    const seen: number[] = [];
    const handlers = new Map<string, JobHandler>([
      ['test.ok', async (ctx) => {
        ctx.progress(0.5);
        await new Promise((r) => setTimeout(r, 100));
        seen.push((await getJob(db, ctx.job.id))?.progress ?? -1);
        return { echoed: ctx.job.params };
      }],
      ['test.bad', async () => {
        throw new DomainError('invalid_package', 'the package is not a package');
      }],
    ]);
    const w = new Worker({ db, handlers, logger: silent, leaseMs: 2000, pollMs: 20, progressAfterMs: 0 });
    const ok = await enqueueJob(db, { kind: 'test.ok', userId: null, params: { a: 'b' } });
    const bad = await enqueueJob(db, { kind: 'test.bad', userId: null });
    w.start();
    const okDone = await waitFor(async () => { const j = await getJob(db, ok.id); return j?.state === 'SUCCEEDED' && j; });
    const badDone = await waitFor(async () => { const j = await getJob(db, bad.id); return j?.state === 'FAILED' && j; });
    await w.stop(1000);
    expect(seen).toEqual([0.5]);
    expect(okDone.result).toEqual({ echoed: { a: 'b' } });
    expect(badDone.reasons).toEqual([{ code: 'invalid_package', message: 'the package is not a package' }]);
  });

  it('gives a running job back when stopped past the grace period', async () => {
    const db = t.database.db;
    const handlers = new Map<string, JobHandler>([
      ['test.slow', async (ctx) => {
        await new Promise((r) => ctx.signal.addEventListener('abort', r));
        throw new Error('aborted');
      }],
    ]);
    const w = new Worker({ db, handlers, logger: silent, leaseMs: 5000, pollMs: 20 });
    const job = await enqueueJob(db, { kind: 'test.slow', userId: null });
    w.start();
    await waitFor(async () => (await getJob(db, job.id))?.state === 'RUNNING');
    await w.stop(100);
    const after = await getJob(db, job.id);
    expect(after).toMatchObject({ state: 'QUEUED', attempts: 0, lease_owner: null });
  });

  it('gives back a job that goes on past the stop without logging that its lease was lost', async () => {
    const db = t.database.db;
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
    let release: () => void = () => undefined;
    const ended = new Promise<void>((r) => (release = r));
    const handlers = new Map<string, JobHandler>([
      // Deaf to the abort: still running after the worker stopped waiting and gave it back.
      ['test.deaf', () => ended.then(() => 'too late')],
    ]);
    const w = new Worker({ db, handlers, logger, leaseMs: 300, pollMs: 20 });
    const job = await enqueueJob(db, { kind: 'test.deaf', userId: null });
    w.start();
    await waitFor(async () => (await getJob(db, job.id))?.state === 'RUNNING');
    const stopped = w.stop(0);
    await waitFor(async () => { const j = await getJob(db, job.id); return j?.state === 'QUEUED' && j.lease_owner === null; });
    // Meanwhile its lease renewals (every 100 ms) find no lease.
    await sleep(1000);
    release();
    await stopped;
    expect(lines.some((l) => l.msg.includes('giving it back'))).toBe(true);
    expect(lines.filter((l) => l.msg.includes('lease lost'))).toEqual([]);
  });

  it.skipIf(TEST_DB_KIND !== 'postgres')('recovers a job whose worker process was killed with SIGKILL', async () => {
    const db = t.database.db;
    const job = await enqueueJob(db, { kind: 'test.hold', userId: null });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/worker-process.ts'], {
      env: { ...process.env, DATABASE_URL: t.url, LEASE_MS: '1000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(async () => out.includes(`CLAIMED ${job.id}`));
    expect((await getJob(db, job.id))?.lease_owner).toBe('doomed-worker');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const handlers = new Map<string, JobHandler>([['test.hold', async () => 'taken over']]);
    const rescuer = new Worker({ db, handlers, logger: silent, leaseMs: 1000, pollMs: 50, id: 'rescuer' });
    rescuer.start();
    const done = await waitFor(async () => { const j = await getJob(db, job.id); return j?.state === 'SUCCEEDED' && j; });
    await rescuer.stop(1000);
    expect(done.result).toBe('taken over');
    expect(done.attempts).toBe(2);
  });
});
