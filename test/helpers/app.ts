/**
 * Starts the real HTTP application on a free port over a fresh test database, with a
 * known admin, and gives a small JSON client for it.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { newId32 } from '../../src/core/ids.js';
import { insertUserIfAbsent } from '../../src/store/users.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { Worker, type WorkerHooks } from '../../src/jobs/worker.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import type { JobDeps } from '../../src/jobs/job-deps.js';

export const ADMIN = { user: 'admin', password: 'admin-password-1' };

export interface TestApp {
  url: string;
  app: FastifyInstance;
  t: TestDatabase;
  config: Config;
  keyring: KeyRing;
  adminToken: string;
  worker?: Worker;
  close(): Promise<void>;
}

export interface Res<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function request<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; basic?: { user: string; password: string }; json?: unknown; body?: string | Buffer | FormData; headers?: Record<string, string> } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.basic) headers.authorization = `Basic ${Buffer.from(`${opts.basic.user}:${opts.basic.password}`).toString('base64')}`;
  let body: string | Buffer | FormData | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  const r = await fetch(`${url}${path}`, { method, headers, body });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: leave the text
  }
  return { status: r.status, headers: r.headers, body: parsed as T, text };
}

/**
 * The admin's stored password, hashed with the least work the verifier accepts (scrypt
 * N = 2^10 rather than 2^15): each start of a test app would otherwise spend two full
 * hashes (~0.2 s of CPU each) on it. The format is the one hashPassword writes.
 */
const CHEAP_ADMIN_HASH = (() => {
  const salt = randomBytes(16);
  const key = scryptSync(ADMIN.password, salt, 32, { N: 1 << 10, r: 8, p: 1 });
  return `scrypt$${1 << 10}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
})();

export async function startTestApp(env: Record<string, string> = {}, opts: { worker?: boolean; keyring?: KeyRing; database?: TestDatabase; faults?: JobDeps['faults']; hooks?: WorkerHooks; logger?: Logger } = {}): Promise<TestApp> {
  const t = opts.database ?? (await createTestDatabase());
  const config = loadConfig({ ASSETPORT_DATA_DIR: '/nonexistent-test-dir', LOG_LEVEL: 'silent', ASSETPORT_WORKER_POLL_MS: '50', ...env });
  const keyring = opts.keyring ?? KeyRing.fromMasterKeys([randomBytes(32)]);
  await insertUserIfAbsent(t.database.db, { id: newId32(), name: ADMIN.user, password_hash: CHEAP_ADMIN_HASH, is_admin: true });
  const logger = opts.logger ?? pino({ level: 'silent' });
  const worker = opts.worker
    ? new Worker({ db: t.database.db, handlers: jobHandlers({ config, database: t.database, keyring, logger, faults: opts.faults }), logger, leaseMs: 10_000, pollMs: config.workerPollMs, notifications: t.database.jobNotifications, ...(opts.hooks ? { hooks: opts.hooks } : {}) })
    : undefined;
  const app = await buildApp({ config, database: t.database, keyring, logger, metrics: new Metrics(), onJobEnqueued: () => worker?.poke() });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  worker?.start();
  const tok = await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: ADMIN });
  return {
    url,
    app,
    t,
    config,
    keyring,
    adminToken: tok.body.token,
    worker,
    async close() {
      await app.close();
      await worker?.stop(5000);
      if (!opts.database) await t.drop();
    },
  };
}

/** Polls a job until it is finished (a generous ceiling, for a busy machine); returns its view. */
export async function waitJob(url: string, token: string, jobId: string, ms = 150_000): Promise<Record<string, unknown>> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const r = await request(url, 'GET', `/api/v1/jobs/${jobId}`, { token });
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.body.state as string)) return r.body;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`job ${jobId} did not finish in ${ms} ms`);
}

/** A multipart body with the given file parts (Buffers) and JSON parts. */
export function multipart(files: Record<string, Buffer>, json: Record<string, unknown> = {}, fileName = 'package.zip'): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(files)) f.append(k, new Blob([v], { type: 'application/zip' }), k === 'package' ? fileName : `${k}.zip`);
  for (const [k, v] of Object.entries(json)) f.append(k, new Blob([JSON.stringify(v)], { type: 'application/json' }), `${k}.json`);
  return f;
}

export async function download(url: string, path: string, token: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()), headers: r.headers };
}
