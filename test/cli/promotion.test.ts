/**
 * The assetport CLI as a user runs it: subprocesses against one started server (on the
 * embedded database). One promotion from a dev
 * instance to a prod instance: login, export, validate, plan (table, JSON, exit codes),
 * import --wait, jobs list and show, undo, a refused import, logout — and errors, each
 * one line with its code.
 *
 * The PostgreSQL pass leaves this file out: the CLI speaks HTTP, and what the server does
 * with each call on PostgreSQL the server's own tests show in that pass.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/app.js';
import { cliRun, freePort, runCli, waitHealthy, type Child, type CliRun } from '../helpers/process.js';

const PASSWORD = 'cli-admin-password';
const cleanups: Array<() => Promise<void> | void> = [];
let url = '';
let work = '';
let config = '';
let server: Child | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'assetport-cli-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  config = join(work, 'config');
  const env: Record<string, string> = { ASSETPORT_DATA_DIR: join(work, 'data'), ASSETPORT_MASTER_KEY: 'c'.repeat(64), ASSETPORT_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn' };
  const port = await freePort();
  server = runCli(['serve'], { ...env, PORT: String(port) });
  cleanups.push(async () => {
    server!.proc.kill('SIGTERM');
    await server!.exited;
  });
  url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 300_000, server);
}, 600_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The CLI with the test's config directory (and no other assetport settings). */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => cliRun(args, { ASSETPORT_CONFIG_DIR: config, ...env });
const file = (name: string) => join(work, name);
const lines = (s: string) => s.split('\n').filter((l) => l !== '');

/** An error: exit code, and exactly one line on standard error, with the code, and no stack. */
function expectOneLineError(r: CliRun, code: string, exit = 1): void {
  expect(r.code, r.stderr + r.stdout).toBe(exit);
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^assetport: ${code}: \\S`));
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
}

const admin = () => ({ basic: { user: 'admin', password: PASSWORD } });
let dev = '';
let prod = '';

describe('the assetport CLI against a server', () => {
  it('login: refuses a wrong password in one line; saves the token readable by the user only', async () => {
    const wrong = await cli(['login', '--server', url, '--user', 'admin'], { ASSETPORT_PASSWORD: 'not-it' });
    expectOneLineError(wrong, 'invalid_credentials');
    expect(existsSync(join(config, 'credentials.json'))).toBe(false);

    const noPassword = await cli(['login', '--server', url, '--user', 'admin']);
    expectOneLineError(noPassword, 'usage', 2);

    const ok = await cli(['login', '--server', `${url}/`, '--user', 'admin'], { ASSETPORT_PASSWORD: PASSWORD });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Logged in to ${url} as admin`);
    expect((statSync(join(config, 'credentials.json')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(config).mode & 0o777).toString(8)).toBe('700');
    expect(ok.stdout).not.toContain('apt_');
  });

  it('spaces and assets list what the server holds', async () => {
    expect((await request(url, 'POST', '/api/v1/orgs', { ...admin(), json: { name: 'acme' } })).status).toBe(201);
    dev = (await request<{ space_id: string }>(url, 'POST', '/api/v1/orgs/acme/instances', { ...admin(), json: { name: 'dev' } })).body.space_id;
    prod = (await request<{ space_id: string }>(url, 'POST', '/api/v1/orgs/acme/instances', { ...admin(), json: { name: 'prod' } })).body.space_id;
    const assets = [
      { type: 'application', name: 'orders', body: { description: 'orders' } },
      { type: 'datasource', name: 'orders_db', refs: [{ type: 'application', name: 'orders' }], body: { property_map: { settings: { host: { value: 'db.dev' }, password: { value: 's3cret-dev' } } } } },
      { type: 'task', name: 'sync', refs: [{ type: 'datasource', name: 'orders_db' }], body: { schedule: '*/5 * * * *' } },
    ];
    for (const a of assets) expect((await request(url, 'POST', `/api/v1/spaces/${dev}/assets`, { ...admin(), json: a })).status).toBe(201);

    const spaces = await cli(['spaces']);
    expect(spaces.code, spaces.stderr).toBe(0);
    expect(spaces.stdout).toMatch(new RegExp(`^acme/dev\\s+instance\\s+${dev}`, 'm'));
    const listed = await cli(['assets', 'acme/dev', '--json']);
    expect((JSON.parse(listed.stdout) as { items: Array<{ name: string }> }).items.map((a) => a.name)).toEqual(['orders', 'orders_db', 'sync']);
    const table = await cli(['assets', dev]);
    expect(table.stdout).toMatch(/^datasource\s+orders_db\s+enabled\s+1\s/m);
    expect(table.stdout).not.toContain('\u001b[');
  });

  it('export, then validate offline', async () => {
    const exported = await cli(['export', 'acme/dev', '-o', file('dev.zip')]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^Exported 3 assets from acme\/dev to .*dev\.zip \(\d+ bytes, sha256 [0-9a-f]{64}\)\.$/m);
    expect(exported.stdout).not.toContain('s3cret');

    // No server needed: no credentials, no server in the environment.
    const valid = await cliRun(['validate', file('dev.zip')], { ASSETPORT_CONFIG_DIR: join(work, 'none') });
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain('valid instance package from acme/dev, 3 assets (application 1, datasource 1, task 1)');
    const json = JSON.parse((await cli(['validate', file('dev.zip'), '--json'])).stdout) as { ok: boolean; assets: number; kind: string };
    expect(json).toMatchObject({ ok: true, assets: 3, kind: 'instance' });

    writeFileSync(file('notzip.zip'), 'this is not a zip file');
    const bad = await cli(['validate', file('notzip.zip')]);
    expectOneLineError(bad, 'invalid_package');
    expect(bad.stdout).toMatch(/^archive\.not_zip: /m);
    const badJson = await cli(['validate', file('notzip.zip'), '--json']);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ error: { code: 'invalid_package', problem_code: 'archive.not_zip' } });
  });

  it('plan: a table of what would change, JSON, and terraform-style exit codes', async () => {
    const plan = await cli(['plan', file('dev.zip'), '--to', 'acme/prod']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^\+\s+create\s+application\s+orders$/m);
    expect(plan.stdout).toMatch(/^\+\s+create\s+datasource\s+orders_db$/m);
    expect(lines(plan.stdout).at(-1)).toBe('Plan: 3 to create, 0 to update, 0 unchanged, 0 to keep, 0 to skip.');
    const json = JSON.parse((await cli(['plan', file('dev.zip'), '--to', prod, '--json'])).stdout) as { ok: boolean; dry_run: boolean; summary: { create: number } };
    expect(json).toMatchObject({ ok: true, dry_run: true, summary: { create: 3 } });
    expect((await cli(['plan', file('dev.zip'), '--to', 'acme/prod', '--detailed-exitcode'])).code).toBe(2);
    const renamed = await cli(['plan', file('dev.zip'), '--to', 'acme/prod', '--prefix', 'v2_']);
    expect(renamed.stdout).toMatch(/^\+\s+create\s+application\s+v2_orders\s+renamed from 'orders'$/m);
    // Nothing was written by any of them.
    expect((await request<{ items: unknown[] }>(url, 'GET', `/api/v1/spaces/${prod}/assets`, admin())).body.items).toEqual([]);
  });

  let imported = '';
  it('import --wait: progress, then what it did; jobs list and show it', async () => {
    const r = await cli(['import', file('dev.zip'), '--to', 'acme/prod', '--wait']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    imported = /^Job ([0-9a-f]{32})\s+import\s+SUCCEEDED\s+100%$/m.exec(r.stdout)?.[1] ?? '';
    expect(imported, r.stdout).not.toBe('');
    expect(lines(r.stdout).at(-1)).toBe('Imported: 3 created, 0 updated, 0 unchanged, 0 kept, 0 skipped.');
    // Off a terminal: no progress animation, no colour.
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('\u001b[');

    const again = await cli(['plan', file('dev.zip'), '--to', 'acme/prod', '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes');

    const list = await cli(['jobs']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${imported}\\s+import\\s+SUCCEEDED\\s+100%\\s+admin\\s+.*create 3$`, 'm'));
    const listed = JSON.parse((await cli(['jobs', 'list', '--kind', 'import', '--space', 'acme/prod', '--json'])).stdout) as { items: Array<{ id: string }> };
    expect(listed.items.map((j) => j.id)).toEqual([imported]);
    const show = await cli(['jobs', 'show', imported]);
    expect(show.stdout).toMatch(/^\+\s+create\s+task\s+sync$/m);
    const shown = JSON.parse((await cli(['jobs', 'show', imported, '--json'])).stdout) as { state: string; result: { summary: { create: number } } };
    expect(shown).toMatchObject({ state: 'SUCCEEDED', result: { summary: { create: 3 } } });
  });

  it('undo --wait puts the space back', async () => {
    const r = await cli(['jobs', 'undo', imported, '--wait']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^Job [0-9a-f]{32}\s+undo\s+SUCCEEDED/m);
    expect((await cli(['assets', 'acme/prod'])).stdout).toContain('acme/prod holds no assets.');
    const twice = await cli(['jobs', 'undo', imported]);
    expectOneLineError(twice, 'precondition_failed');
  });

  it('a plan with a conflict exits 2; the import refused for it ends FAILED with a non-zero exit', async () => {
    expect((await cli(['import', file('dev.zip'), '--to', 'acme/prod', '--wait'])).code).toBe(0);
    const app = (await request<{ items: Array<{ id: string; name: string }> }>(url, 'GET', `/api/v1/spaces/${prod}/assets?type=application`, admin())).body.items[0]!;
    expect((await request(url, 'PUT', `/api/v1/spaces/${prod}/assets/${app.id}`, { ...admin(), json: { body: { description: 'changed in prod' } } })).status).toBe(200);

    const plan = await cli(['plan', file('dev.zip'), '--to', 'acme/prod', '--policy', 'application=fail']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/^x\s+conflict\s+application\s+orders$/m);
    expect(plan.stdout).toContain('Problems (1)');
    expect((await cli(['plan', file('dev.zip'), '--to', 'acme/prod', '--policy', 'application=fail', '--detailed-exitcode'])).code).toBe(1);

    const r = await cli(['import', file('dev.zip'), '--to', 'acme/prod', '--policy', 'application=fail', '--wait']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Job [0-9a-f]{32}\s+import\s+FAILED/m);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^assetport: job_failed: job [0-9a-f]{32} ended FAILED: plan\.conflict: /);
    const json = await cli(['import', file('dev.zip'), '--to', 'acme/prod', '--policy', 'application=fail', '--wait', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ state: 'FAILED', reasons: [{ code: 'plan.conflict' }] });
  });

  it('diff: what changed between two packages, per asset, offline', async () => {
    const ds = (await request<{ items: Array<{ id: string; revision: number }> }>(url, 'GET', `/api/v1/spaces/${dev}/assets?type=datasource`, admin())).body.items[0]!;
    expect((await request(url, 'PUT', `/api/v1/spaces/${dev}/assets/${ds.id}`, { ...admin(), json: { body: { property_map: { settings: { host: { value: 'db.dev2' }, password: { value: 's3cret-dev' } } } } } })).status).toBe(200);
    expect((await request(url, 'POST', `/api/v1/spaces/${dev}/assets`, { ...admin(), json: { type: 'function', name: 'price', refs: [{ type: 'application', name: 'orders' }], body: {} } })).status).toBe(201);
    expect((await cli(['export', 'acme/dev', '-o', file('dev2.zip')])).code).toBe(0);

    const d = await cliRun(['diff', file('dev.zip'), file('dev2.zip')], { ASSETPORT_CONFIG_DIR: join(work, 'none') });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^~\s+changed\s+datasource\s+orders_db\s+.*body\.property_map\.settings\.host\.value/m);
    expect(d.stdout).toMatch(/^\+\s+added\s+function\s+price$/m);
    expect(lines(d.stdout).at(-1)).toBe('Diff: 1 added, 0 removed, 1 changed, 2 unchanged.');
    expect(d.stdout).not.toContain('db.dev2');
    const json = JSON.parse((await cli(['diff', file('dev.zip'), file('dev2.zip'), '--json'])).stdout) as { summary: Record<string, number> };
    expect(json.summary).toEqual({ added: 1, removed: 0, changed: 1, unchanged: 2 });
    expect((await cli(['diff', file('dev.zip'), file('dev2.zip'), '--exit-code'])).code).toBe(1);
  });

  it('errors are one line with the server code, never a stack trace', async () => {
    expectOneLineError(await cli(['plan', file('dev.zip'), '--to', 'acme/nope']), 'not_found');
    const policy = await cli(['plan', file('dev.zip'), '--to', 'acme/prod', '--policy', 'application=sometimes']);
    expectOneLineError(policy, 'invalid_request');
    expect(policy.stderr).toContain('policy.application');
    expectOneLineError(await cli(['plan', file('missing.zip'), '--to', 'acme/prod']), 'file_unreadable');
    expectOneLineError(await cli(['jobs', 'show', 'f'.repeat(32)]), 'not_found');
    expectOneLineError(await cli(['frobnicate']), 'usage', 2);
    expectOneLineError(await cli(['plan', file('dev.zip')]), 'usage', 2);
    expectOneLineError(await cli(['spaces'], { ASSETPORT_SERVER: 'http://127.0.0.1:1' }), 'not_logged_in');
    expectOneLineError(await cli(['spaces'], { ASSETPORT_SERVER: 'http://127.0.0.1:1', ASSETPORT_TOKEN: 'x' }), 'unreachable');
    const json = await cli(['jobs', 'show', 'f'.repeat(32), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'not_found', status: 404 } });
    const help = await cli(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:\n  $ assetport import dev.zip --to acme/prod --wait');
  });

  it('ASSETPORT_SERVER and ASSETPORT_TOKEN work without a login; logout revokes the saved token and forgets it', async () => {
    const token = (await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: { user: 'admin', password: PASSWORD } })).body.token;
    const ci = await cliRun(['spaces', '--json'], { ASSETPORT_CONFIG_DIR: join(work, 'none'), ASSETPORT_SERVER: url, ASSETPORT_TOKEN: token });
    expect(ci.code, ci.stderr).toBe(0);
    expect((JSON.parse(ci.stdout) as { items: unknown[] }).items).toHaveLength(2);

    const saved = (JSON.parse(readFileSync(join(config, 'credentials.json'), 'utf8')) as { token: string }).token;
    expect((await request(url, 'GET', '/api/v1/whoami', { token: saved })).status).toBe(200);
    const out = await cli(['logout']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Logged out of ${url}: revoked the token there`);
    expect(existsSync(join(config, 'credentials.json'))).toBe(false);
    expectOneLineError(await cli(['jobs']), 'not_logged_in');
    // Revoked on the server: a copy of it no longer works; the other token still does.
    expect((await request(url, 'GET', '/api/v1/whoami', { token: saved })).status).toBe(401);
    expect((await request(url, 'GET', '/api/v1/whoami', { token })).status).toBe(200);
    // Basic credentials have no token to revoke.
    const basic = await request(url, 'DELETE', '/api/v1/tokens/current', { basic: { user: 'admin', password: PASSWORD } });
    expect(basic.status).toBe(400);
    expect(basic.body).toMatchObject({ code: 'invalid_request' });
  });
});
