import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, TEST_DB_KIND } from '../helpers/db.js';
import { request } from '../helpers/app.js';
import { freePort, runCli, waitHealthy } from '../helpers/process.js';

/** How long a process may take to become ready: generous, for a busy machine. */
const READY_MS = 300_000;
/** These tests start processes on the embedded database or none: the PGlite run covers them. */
const pgliteRunOnly = TEST_DB_KIND !== 'pglite';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'assetport-e2e-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the assetport process', () => {
  it.skipIf(pgliteRunOnly)('starts on the embedded database, prints a generated admin password once, stops on SIGTERM, and keeps data across a restart', { timeout: 3 * READY_MS }, async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { ASSETPORT_DATA_DIR: dataDir, PORT: String(port) };

    const first = runCli(['serve'], env);
    await waitHealthy(url, READY_MS, first);
    const m = /created admin user 'admin' with password (\S+)/.exec(first.output());
    expect(m).not.toBeNull();
    const password = m![1]!;
    expect((statSync(join(dataDir, 'master.key')).mode & 0o777).toString(8)).toBe('600');
    const tok = (await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: { user: 'admin', password } })).body.token;
    expect((await request(url, 'POST', '/api/v1/orgs', { token: tok, json: { name: 'persisted' } })).status).toBe(201);
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    // The generated password never reaches a log line.
    const logLines = first.output().split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.some((l) => l.includes(password))).toBe(false);

    const second = runCli(['serve'], env);
    await waitHealthy(url, READY_MS, second);
    expect(second.output()).not.toContain('with password');
    const orgs = await request<{ items: Array<{ name: string }> }>(url, 'GET', '/api/v1/orgs', { basic: { user: 'admin', password } });
    expect(orgs.body.items.map((o) => o.name)).toEqual(['persisted']);
    second.proc.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it.skipIf(pgliteRunOnly).each(['--version', '-V'])('prints the package version with %s', async (flag) => {
    const c = runCli([flag], {});
    expect(await c.exited).toBe(0);
    expect(c.output()).toBe(`${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`);
  }, 180_000);

  it.skipIf(pgliteRunOnly).each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'shouty' }, 'LOG_LEVEL'],
    [{ ASSETPORT_MASTER_KEY: 'too-short' }, 'ASSETPORT_MASTER_KEY'],
  ])('exits with code 2 and a one-line error for invalid configuration %o', async (env, variable) => {
    const c = runCli(['serve'], { ASSETPORT_DATA_DIR: tempDir(), ...env });
    expect(await c.exited).toBe(2);
    const lines = c.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    if (variable === 'ASSETPORT_MASTER_KEY') expect(lines[0]).not.toContain('too-short');
  });

  it.skipIf(TEST_DB_KIND !== 'postgres')('two serve processes started at the same moment against one PostgreSQL both become ready', { timeout: 2 * READY_MS }, async () => {
    const pg = await createPostgresDatabase();
    try {
      const key = 'a'.repeat(64);
      const ports = [await freePort(), await freePort()];
      const procs = ports.map((p) => runCli(['serve'], { DATABASE_URL: pg.url, PORT: String(p), ASSETPORT_DATA_DIR: tempDir(), ASSETPORT_MASTER_KEY: key, ASSETPORT_ADMIN_PASSWORD: 'shared-admin-pw' }));
      await Promise.all(ports.map((p, i) => waitHealthy(`http://127.0.0.1:${p}`, READY_MS, procs[i])));
      // Both serve the same data.
      const a = `http://127.0.0.1:${ports[0]}`;
      const b = `http://127.0.0.1:${ports[1]}`;
      const basic = { user: 'admin', password: 'shared-admin-pw' };
      expect((await request(a, 'POST', '/api/v1/orgs', { basic, json: { name: 'seen-by-both' } })).status).toBe(201);
      expect((await request<{ id: string }>(b, 'GET', '/api/v1/orgs/seen-by-both', { basic })).status).toBe(200);
      for (const p of procs) p.proc.kill('SIGTERM');
      expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
    } finally {
      await pg.drop();
    }
  });
});
