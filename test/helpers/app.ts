/**
 * Starts the real HTTP application on a free port over a fresh test database, with a
 * known admin, and gives a small JSON client for it.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { bootstrapAdmin } from '../../src/service/users.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const ADMIN = { user: 'admin', password: 'admin-password-1' };

export interface TestApp {
  url: string;
  app: FastifyInstance;
  t: TestDatabase;
  config: Config;
  keyring: KeyRing;
  adminToken: string;
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

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createTestDatabase();
  const config = loadConfig({ ASSETPORT_DATA_DIR: '/nonexistent-test-dir', LOG_LEVEL: 'silent', ...env });
  const keyring = KeyRing.fromMasterKeys([randomBytes(32)]);
  await bootstrapAdmin(t.database.db, ADMIN.user, ADMIN.password);
  const app = await buildApp({ config, database: t.database, keyring, logger: pino({ level: 'silent' }), metrics: new Metrics() });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const tok = await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: ADMIN });
  return {
    url,
    app,
    t,
    config,
    keyring,
    adminToken: tok.body.token,
    async close() {
      await app.close();
      await t.drop();
    },
  };
}
