/**
 * The admin user is never lost: a generated password is shown by the start that listens,
 * `assetport admin reset-password` sets a new one from the host, and a stale
 * ASSETPORT_ADMIN_PASSWORD is pointed out at start (one that holds is not). One
 * deployment: the second test goes on from the admin user the first one made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, TEST_DB_KIND } from '../helpers/db.js';
import { request } from '../helpers/app.js';
import { freePort, runCli, waitHealthy, type Child } from '../helpers/process.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A data directory, and a PostgreSQL database when the suite runs on PostgreSQL. */
async function deployment(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'assetport-admin-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env: Record<string, string> = { ASSETPORT_DATA_DIR: dir, ASSETPORT_MASTER_KEY: 'b'.repeat(64) };
  if (TEST_DB_KIND === 'postgres') {
    const pg = await createPostgresDatabase();
    cleanups.push(() => pg.drop());
    env.DATABASE_URL = pg.url;
  }
  return env;
}

async function serve(env: Record<string, string>): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = runCli(['serve'], { ...env, PORT: String(port) });
  cleanups.push(() => void child.proc.kill('SIGKILL')); // never left behind by a failed test
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 120_000, child);
  return { child, url };
}

async function stop(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}

const tokenFor = async (url: string, password: string): Promise<{ status: number; token?: string }> => {
  const r = await request<{ token?: string }>(url, 'POST', '/api/v1/tokens', { json: { user: 'admin', password } });
  return { status: r.status, ...(r.body.token ? { token: r.body.token } : {}) };
};

const jsonLines = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('{'));

describe('the admin user', () => {
  // The second test goes on with the deployment and generated password of the first.
  let env: Record<string, string> = {};
  let generated = '';

  it('a first start that cannot listen creates no admin; the next start creates it and shows its password', { timeout: 600_000 }, async () => {
    env = await deployment();
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((ok) => blocker.listen(port, '127.0.0.1', ok));
    const first = runCli(['serve'], { ...env, PORT: String(port) });
    try {
      expect(await first.exited).not.toBe(0);
    } finally {
      await new Promise((ok) => blocker.close(ok));
    }
    expect(first.output()).toMatch(/EADDRINUSE|address already in use/);
    expect(first.output()).not.toContain('with password');

    const second = runCli(['serve'], { ...env, PORT: String(port) });
    cleanups.push(() => void second.proc.kill('SIGKILL'));
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, 120_000, second);
    const m = /created admin user 'admin' with password (\S+)/.exec(second.output());
    expect(m, second.output()).not.toBeNull();
    generated = m![1]!;
    expect((await tokenFor(url, generated)).status).toBe(201);
    expect(jsonLines(second.output()).some((l) => l.includes(generated))).toBe(false);
    await stop(second);
  });

  it('reset-password sets the password from ASSETPORT_ADMIN_PASSWORD and revokes the tokens; a stale ASSETPORT_ADMIN_PASSWORD is pointed out at start, one that holds is not', { timeout: 600_000 }, async () => {
    expect(generated, 'the first test made the admin user').not.toBe('');
    // Started again with the variable set to the password the user has: no warning.
    const first = await serve({ ...env, ASSETPORT_ADMIN_PASSWORD: generated });
    const old = await tokenFor(first.url, generated);
    expect(old.status).toBe(201);
    expect(first.child.output()).not.toContain('with password');
    expect(first.child.output()).not.toContain('ASSETPORT_ADMIN_PASSWORD is set but');
    // On PostgreSQL the command is safe beside a running server; the embedded database belongs to one process.
    if (TEST_DB_KIND !== 'postgres') {
      const refused = runCli(['admin', 'reset-password'], { ...env, ASSETPORT_ADMIN_PASSWORD: 'second-password-2' });
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toContain(`is in use by process ${first.child.proc.pid}`);
      expect((await tokenFor(first.url, generated)).status).toBe(201);
      await stop(first.child);
    }

    const reset = runCli(['admin', 'reset-password'], { ...env, ASSETPORT_ADMIN_PASSWORD: 'second-password-2' });
    expect(await reset.exited, reset.output()).toBe(0);
    // One token in the first test, one above, and on PGlite the one after the refusal.
    const tokensIssued = TEST_DB_KIND === 'postgres' ? '2 tokens' : '3 tokens';
    expect(reset.output().trim()).toBe(`assetport: set a new password for admin user 'admin' and revoked its ${tokensIssued}`);
    expect(reset.output()).not.toContain('second-password-2');

    const unknown = runCli(['admin', 'reset-password', '--user', 'nobody'], { ...env, ASSETPORT_ADMIN_PASSWORD: 'third-password-3' });
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain("no user named 'nobody'");
    const noPassword = runCli(['admin', 'reset-password'], env); // not a terminal, no variable
    expect(await noPassword.exited).toBe(2);
    expect(noPassword.output()).toContain('ASSETPORT_ADMIN_PASSWORD');

    if (TEST_DB_KIND === 'postgres') {
      expect((await request(first.url, 'GET', '/api/v1/orgs', { token: old.token! })).status).toBe(401);
      await stop(first.child);
    }

    // Started again with the old value still set: the new password holds, and a warning says the variable is stale.
    const second = await serve({ ...env, ASSETPORT_ADMIN_PASSWORD: generated });
    expect((await request(second.url, 'GET', '/api/v1/orgs', { token: old.token! })).status).toBe(401);
    expect((await tokenFor(second.url, generated)).status).toBe(401);
    expect((await tokenFor(second.url, 'second-password-2')).status).toBe(201);
    const warning = jsonLines(second.child.output()).filter((l) => l.includes('ASSETPORT_ADMIN_PASSWORD is set but'));
    expect(warning).toHaveLength(1);
    expect(JSON.parse(warning[0]!).level).toBe('warn');
    expect(second.child.output()).not.toContain(generated);
    expect(second.child.output()).not.toContain('second-password-2');
    await stop(second.child);
  });
});
