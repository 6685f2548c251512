import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { bootstrapAdmin } from '../../src/service/users.js';
import { Worker, type JobHandler } from '../../src/jobs/worker.js';
import { enqueueJob, getJob } from '../../src/jobs/queue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { request } from '../helpers/app.js';

/** Polls until `cond` holds; the ceiling is generous, for a busy machine. */
async function waitUntil(cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('logs and metrics', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  let t: TestDatabase;
  let url: string;
  let close: () => Promise<unknown>;
  const metrics = new Metrics();
  beforeAll(async () => {
    t = await createTestDatabase();
    await bootstrapAdmin(t.database.db, 'admin', 'very-secret-admin-pw');
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'info' }), database: t.database, keyring: KeyRing.fromMasterKeys([randomBytes(32)]), logger: createLogger('info', sink), metrics });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
  });
  afterAll(async () => {
    await close();
    await t.drop();
  });

  it('writes JSON lines with request ids and never a credential or secret', async () => {
    const basic = { user: 'admin', password: 'very-secret-admin-pw' };
    const tok = (await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: basic })).body.token;
    await request(url, 'GET', '/api/v1/orgs', { basic });
    await request(url, 'GET', '/api/v1/orgs', { token: tok });
    await request(url, 'POST', '/api/v1/orgs', { token: tok, json: { name: 'logged' } });
    const inst = await request<{ space_id: string }>(url, 'POST', '/api/v1/orgs/logged/instances', { token: tok, json: { name: 'i' } });
    await request(url, 'POST', `/api/v1/spaces/${inst.body.space_id}/assets`, { token: tok, json: { type: 'datasource', name: 'd', body: { property_map: { settings: { password: { value: 'db-pl4in-pw' } } } } } });
    // A request's last line is written after its response was sent: wait for all six.
    const completed = () => lines.filter((l) => l.includes('"msg":"request completed"')).length;
    await waitUntil(() => completed() >= 6);
    expect(lines.length).toBeGreaterThan(5);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const withReq = parsed.filter((p) => typeof p.reqId === 'string');
    expect(withReq.length).toBeGreaterThan(0);
    for (const p of withReq) expect(p.reqId).toMatch(/^[0-9a-f]{32}$/);
    const all = lines.join('\n');
    for (const secret of ['very-secret-admin-pw', tok, Buffer.from('admin:very-secret-admin-pw').toString('base64'), 'db-pl4in-pw']) {
      expect(all).not.toContain(secret);
    }
  });

  it('redacts secrets in structured log fields', () => {
    const out: string[] = [];
    const w = new Writable({ write(c: Buffer, _e, cb) { out.push(c.toString()); cb(); } });
    createLogger('info', w).info({ password: 'p1', user: { token: 't1', secret: 's1' }, req: { headers: { authorization: 'Basic abc', 'x-auth-token': 'xyz' } } }, 'x');
    const line = out.join('');
    for (const s of ['p1', 't1', 's1', 'Basic abc', 'xyz']) expect(line).not.toContain(`"${s}"`);
    expect(line).toContain('[redacted]');
  });

  it('counts finished jobs by kind and outcome', async () => {
    const handlers = new Map<string, JobHandler>([['test.metrics', async () => 'ok']]);
    const w = new Worker({
      db: t.database.db, handlers, logger: createLogger('silent'), leaseMs: 2000, pollMs: 20,
      hooks: { onFinished: (job, outcome, s) => { metrics.jobsFinished.inc({ kind: job.kind, outcome }); metrics.jobDuration.observe({ kind: job.kind }, s); } },
    });
    const job = await enqueueJob(t.database.db, { kind: 'test.metrics', userId: null });
    w.start();
    await waitUntil(async () => (await getJob(t.database.db, job.id))?.state === 'SUCCEEDED');
    await w.stop(1000);
    const text = (await request(url, 'GET', '/metrics')).text;
    expect(text).toContain('assetport_jobs_finished_total{kind="test.metrics",outcome="SUCCEEDED"} 1');
    expect(text).toContain('assetport_job_duration_seconds_count{kind="test.metrics"} 1');
  });
});
