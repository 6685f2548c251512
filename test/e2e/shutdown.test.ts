/**
 * SIGINT stops a process promptly and says what it waits for: open keep-alive connections
 * and job event streams do not hold it, and a running job is waited for (and named). One
 * process shows all of it: a job running, another queued behind it (its event stream would
 * never end by itself), an event stream on each, and an idle keep-alive connection.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, TEST_DB_KIND } from '../helpers/db.js';
import { multipart, request } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';
import { freePort, runCli, waitHealthy, type Child } from '../helpers/process.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const PASSWORD = 'admin-password-1';

async function serve(args: string[]): Promise<{ child: Child; url: string; token: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'assetport-stop-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env: Record<string, string> = { ASSETPORT_DATA_DIR: dir, ASSETPORT_MASTER_KEY: 'c'.repeat(64), ASSETPORT_ADMIN_PASSWORD: PASSWORD };
  if (TEST_DB_KIND === 'postgres') {
    const pg = await createPostgresDatabase();
    cleanups.push(() => pg.drop());
    env.DATABASE_URL = pg.url;
  }
  const port = await freePort();
  const child = runCli(['serve', ...args], { ...env, PORT: String(port) });
  cleanups.push(() => void child.proc.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 120_000, child);
  const token = (await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: { user: 'admin', password: PASSWORD } })).body.token;
  return { child, url, token };
}

/** A space for an import and the package for it; `start()` posts the import and gives its job. */
async function prepareImport(s: { url: string; token: string }, api: string, assets: number): Promise<{ start(): Promise<string> }> {
  const call = (m: string, p: string, json?: unknown) => request(s.url, m, p, { token: s.token, ...(json ? { json } : {}) });
  await call('POST', '/api/v1/orgs/acme/apis', { name: api });
  const space = (await call('POST', `/api/v1/orgs/acme/apis/${api}/versions`, { name: '1.0' })).body.space_id as string;
  const pkg = await buildPackage('api_version', Array.from({ length: assets }, (_, i) => ({ type: 'Pipeline' as const, name: `p${i}`, body: { i, pad: 'x'.repeat(400) } })));
  return {
    async start() {
      const r = await request(s.url, 'POST', `/api/v1/spaces/${space}/imports`, { token: s.token, body: multipart({ package: pkg }) });
      expect(r.status, r.text).toBe(202);
      return r.body.job_id as string;
    },
  };
}

/** Opens a job's event stream; resolves once its first event arrived, and calls `onEvent` with every chunk. */
function openEvents(s: { url: string; token: string }, job: string, onEvent: (text: string) => void = () => undefined): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${s.url}/api/v1/jobs/${job}/events`, { headers: { authorization: `Bearer ${s.token}` } }, (res) => {
      res.setEncoding('utf8');
      res.once('data', () => resolve(req));
      res.on('data', onEvent);
      res.on('error', () => undefined);
    });
    req.on('error', reject);
  });
}

/** A keep-alive connection that has answered once and stays open, idle. */
async function idleKeepAlive(url: string): Promise<http.Agent> {
  const agent = new http.Agent({ keepAlive: true, timeout: 600_000 });
  await new Promise<void>((ok, fail) => http.get(`${url}/healthz`, { agent }, (res) => res.resume().on('end', ok)).on('error', fail));
  return agent;
}

async function exitWithin(child: Child, ms: number): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const code = await Promise.race([child.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
  if (code === 'timeout') throw new Error(`still running ${ms} ms after SIGINT:\n${child.output().slice(-3000)}`);
  return { code, ms: Date.now() - t0 };
}

const logLine = (out: string, msg: RegExp): Record<string, unknown> | undefined =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => msg.test(String(l.msg)));

describe('stopping on SIGINT', () => {
  it('a running job is waited for and named in the log; open event streams and an idle keep-alive connection do not hold the process, which exits soon after the job ends', { timeout: 600_000 }, async () => {
    const s = await serve([]);
    // Two users (one asset job per user at a time), each with an import ready to post.
    expect((await request(s.url, 'POST', '/api/v1/orgs', { token: s.token, json: { name: 'acme' } })).status).toBe(201);
    expect((await request(s.url, 'POST', '/api/v1/users', { token: s.token, json: { name: 'ops', password: 'ops-password-1', org_roles: [{ org: 'acme', role: 'admin' }] } })).status).toBe(201);
    const ops = { url: s.url, token: (await request<{ token: string }>(s.url, 'POST', '/api/v1/tokens', { json: { user: 'ops', password: 'ops-password-1' } })).body.token };
    const large = await prepareImport(s, 'A', 10_000);
    const small = await prepareImport(ops, 'B', 5);
    const job = await large.start();
    // The worker runs one job at a time, the older first: this one stays queued, so its event
    // stream would never end by itself.
    const queued = await small.start();
    let queuedState = '';
    const queuedEvents = await openEvents(ops, queued, (text) => (queuedState += text));
    let running!: () => void;
    const isRunning = new Promise<void>((ok) => (running = ok));
    const events = await openEvents(s, job, (text) => {
      if (text.includes('"RUNNING"')) running();
    });
    const agent = await idleKeepAlive(s.url);
    await isRunning;
    s.child.proc.kill('SIGINT');
    const { code } = await exitWithin(s.child, 120_000);
    const out = s.child.output();
    expect(code, out.slice(-3000)).toBe(0);
    expect(queuedState).toContain('"QUEUED"');
    expect(queuedState).not.toContain('"RUNNING"');
    const waiting = logLine(out, new RegExp(`^waiting for job ${job} \\(import\\) to finish`));
    expect(waiting, out.slice(-3000)).toBeDefined();
    expect(logLine(out, /^closing \d+ open connections? \(2 event streams\)/), out.slice(-3000)).toBeDefined();
    // The job ended (committed, or given back) before the process stopped, and the stop followed it closely.
    const ended = logLine(out, /^job succeeded$|^job given back at shutdown$/);
    const stopped = logLine(out, /^stopped$/);
    expect(ended, out.slice(-3000)).toBeDefined();
    expect(Date.parse(String(stopped!.time)) - Date.parse(String(ended!.time))).toBeLessThan(20_000);
    // Nothing went wrong on the way: no warning or error but about the running job (on a busy
    // machine it may outlast the grace period and be given back, which is said as a warning).
    const afterStop = out.slice(out.indexOf('"msg":"stopping"'));
    expect(afterStop.split('\n').filter((l) => /"level":"(warn|error|fatal)"/.test(l) && !l.includes(`"job_id":"${job}"`))).toEqual([]);
    // The queued job was never taken.
    const started = out.split('\n').filter((l) => l.startsWith('{') && l.includes('"msg":"job started"')).map((l) => (JSON.parse(l) as { job_id: string }).job_id);
    expect(started).toEqual([job]);
    events.destroy();
    queuedEvents.destroy();
    agent.destroy();
  });
});
