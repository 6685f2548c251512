/**
 * Master key rotation as an operator does it, with the built `assetport`: secrets written
 * under key A; every process given "B,A"; `assetport keys status` counts the secrets under
 * A; `assetport keys rotate` moves them to B (on PostgreSQL while a server runs); status
 * then counts none under A; a server holding only B exports the space and the package
 * imports elsewhere with its account enabled (its secret decrypts). No secret is printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyIdFor } from '../../src/secrets/key-ring.js';
import { createPostgresDatabase, TEST_DB_KIND } from '../helpers/db.js';
import { download, multipart, request, waitJob } from '../helpers/app.js';
import { createOrgWithSpaces, fill, ROMA_ASSETS, snapshot } from '../helpers/fixtures.js';
import { cliRun, freePort, runCli, waitHealthy, type Child } from '../helpers/process.js';

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const ID_A = keyIdFor(Buffer.from(A, 'hex'));
const ID_B = keyIdFor(Buffer.from(B, 'hex'));
const PASSWORD = 'admin-password-1';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function deployment(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'assetport-keys-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env: Record<string, string> = { ASSETPORT_DATA_DIR: dir, ASSETPORT_ADMIN_PASSWORD: PASSWORD, ASSETPORT_WORKER_POLL_MS: '100' };
  if (TEST_DB_KIND === 'postgres') {
    const pg = await createPostgresDatabase();
    cleanups.push(() => pg.drop());
    env.DATABASE_URL = pg.url;
  }
  return env;
}

async function serve(env: Record<string, string>, keys: string): Promise<{ child: Child; url: string; token: string }> {
  const port = await freePort();
  const child = runCli(['serve'], { ...env, ASSETPORT_MASTER_KEY: keys, PORT: String(port) });
  cleanups.push(() => void child.proc.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 120_000, child);
  const r = await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: { user: 'admin', password: PASSWORD } });
  expect(r.status).toBe(201);
  return { child, url, token: r.body.token };
}

async function stop(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}

describe('assetport keys', () => {
  it('rotates every secret to the new key; the new key alone then serves, exports and round-trips them', { timeout: 600_000 }, async () => {
    const env = await deployment();
    const first = await serve(env, A);
    const spaces = await createOrgWithSpaces(first.url, first.token, 'acme');
    await fill(first.url, first.token, spaces.instance, ROMA_ASSETS);
    await stop(first.child);

    // Every process now holds both keys, the new one first. On PostgreSQL a server keeps
    // running through the rotation; the embedded database belongs to one process.
    const both = `${B},${A}`;
    const during = TEST_DB_KIND === 'postgres' ? await serve(env, both) : undefined;

    const before = await cliRun(['keys', 'status'], { ...env, ASSETPORT_MASTER_KEY: both });
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`key ${ID_A} \\(decrypt only\\): [1-9]\\d* secrets?`));
    expect(before.stdout).toContain(`key ${ID_B} (current): 0 secrets`);

    const bad = await cliRun(['keys', 'rotate', '--batch-size', '0'], { ...env, ASSETPORT_MASTER_KEY: both });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--batch-size must be a whole number');

    const rotate = await cliRun(['keys', 'rotate', '--batch-size', '1'], { ...env, ASSETPORT_MASTER_KEY: both });
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toContain(`re-sealing every secret under key ${ID_B} in batches of 1`);
    expect(rotate.stdout).toMatch(/^assets: 1 row read, 1 re-sealed, 0 changed meanwhile, 0 unreadable$/m);
    expect(rotate.stdout).toMatch(/^done: [1-9]\d* rows? re-sealed$/m);
    for (const out of [before.stdout, before.stderr, rotate.stdout, rotate.stderr]) {
      expect(out).not.toContain('ds-s3cret');
      expect(out).not.toContain(A);
      expect(out).not.toContain(B);
    }

    const after = await cliRun(['keys', 'status'], { ...env, ASSETPORT_MASTER_KEY: both });
    expect(after.stdout).toContain(`key ${ID_A} (decrypt only): 0 secrets`);
    expect(after.stdout).toContain('every secret is under the current key');
    if (during) {
      const page = await request<{ items: unknown[] }>(during.url, 'GET', `/api/v1/spaces/${spaces.instance}/assets`, { token: during.token });
      expect(page.status).toBe(200);
      await stop(during.child);
    }

    // The old key removed: the new one alone exports, and the package round-trips.
    const last = await serve(env, B);
    const job = (await request(last.url, 'POST', `/api/v1/spaces/${spaces.instance}/exports`, { token: last.token, json: {} })).body.job_id as string;
    const exported = await waitJob(last.url, last.token, job);
    expect(exported.state).toBe('SUCCEEDED');
    const pkg = (await download(last.url, exported.archive as string, last.token)).bytes;
    // Imported where only B is held: an account whose secret B could not open would come in disabled.
    const other = await createOrgWithSpaces(last.url, last.token, 'beta');
    const imp = await request(last.url, 'POST', `/api/v1/spaces/${other.instance}/imports`, { token: last.token, body: multipart({ package: pkg }) });
    expect(imp.status, imp.text).toBe(202);
    expect((await waitJob(last.url, last.token, imp.body.job_id as string)).state).toBe('SUCCEEDED');
    const copy = await snapshot(last.url, last.token, other.instance);
    expect(copy['datasource/orders_db']?.status).toBe('enabled');
    const original = await snapshot(last.url, last.token, spaces.instance);
    expect(copy['datasource/orders_db']?.sha256).toBe(original['datasource/orders_db']?.sha256);
    await stop(last.child);
  });
});
