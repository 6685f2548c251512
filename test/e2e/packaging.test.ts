/**
 * The package as it is published: packed with `npm pack`, installed from the tarball into
 * a fresh directory, and run from there — with the embedded database, and with PostgreSQL
 * when it answers (always under CI=true, where it must).
 *
 * The PostgreSQL pass leaves this file out: the package is packed and installed once, and
 * run here on both databases.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/app.js';
import { loadMigrations } from '../../src/store/migrate.js';
import { createPostgresDatabase } from '../helpers/db.js';
import { postgresAnswers } from '../helpers/db-target.js';
import { installTarball, packProject } from '../helpers/install.js';
import { freePort, runNode, waitHealthy } from '../helpers/process.js';

const work = mkdtempSync(join(tmpdir(), 'assetport-pack-'));
let installed = '';
let bin = '';
let pg: { url: string; drop(): Promise<void> } | undefined;

/** The databases the installed package runs on here. */
const databases: Array<'pglite' | 'postgres'> = ['pglite'];
if (process.env.CI === 'true' || (await postgresAnswers())) databases.push('postgres');

beforeAll(async () => {
  installed = await installTarball(await packProject(join(work, 'pack')), join(work, 'app'));
  bin = join(work, 'app/node_modules/.bin/assetport');
  if (databases.includes('postgres')) pg = await createPostgresDatabase();
}, 600_000);

afterAll(async () => {
  await pg?.drop();
  rmSync(work, { recursive: true, force: true });
});

/** Where the installed command keeps its data: a fresh data directory of its own, and the PostgreSQL database when it runs on that. */
function dataEnv(db: 'pglite' | 'postgres'): Record<string, string> {
  const env: Record<string, string> = { ASSETPORT_DATA_DIR: join(work, `data-${db}`), ASSETPORT_ADMIN_PASSWORD: 'install-check-pw' };
  if (db === 'postgres') Object.assign(env, { DATABASE_URL: pg!.url, ASSETPORT_MASTER_KEY: 'b'.repeat(64) });
  return env;
}

describe('the installed package', () => {
  it('holds the compiled code, every SQL migration, the pre-migrated embedded database and the built console', () => {
    expect(readdirSync(join(installed, 'dist/store/migrations'))).toEqual(readdirSync('src/store/migrations').filter((f) => f.endsWith('.sql')));
    expect(readdirSync(join(installed, 'dist/package'))).toContain('package-worker.js');
    // The embedded database's thread, and the pre-migrated database a first start begins from.
    expect(readdirSync(join(installed, 'dist/store'))).toEqual(expect.arrayContaining(['pglite-worker.js', 'pgdata-template.tar.gz', 'pgdata-template.json']));
    // The web console, built (and none of the front-end packages it was built from).
    expect(readdirSync(join(installed, 'dist/console'))).toEqual(expect.arrayContaining(['index.html', 'assets']));
    expect(readdirSync(join(installed, '..'))).not.toContain('react');
  });

  it.each(['--version', '-V'])('prints the version of the package with `assetport %s`', async (flag) => {
    const c = runNode([bin, flag], {}, join(work, 'app'));
    expect(await c.exited, c.output()).toBe(0);
    expect(c.output()).toBe(`${(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  }, 180_000);

  it.each(databases)('applies every migration to a fresh database with `assetport migrate` (%s)', async (db) => {
    const c = runNode([bin, 'migrate'], dataEnv(db), join(work, 'app'));
    expect(await c.exited, c.output()).toBe(0);
    const logged = c.output().split('\n').filter((l) => l.includes('"migrations applied"')).map((l) => (JSON.parse(l) as { applied: number[] }).applied);
    expect(logged).toEqual([loadMigrations().map((m) => m.version)]);
  }, 300_000);

  it.each(databases)('serves that database with `assetport serve` (%s): healthy, ready with every migration applied, answering the API and serving the console', async (db) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const c = runNode([bin, 'serve'], { ...dataEnv(db), PORT: String(port) }, join(work, 'app'));
    try {
      await waitHealthy(url, 240_000, c, '/healthz');
      // Ready once the start has finished (the admin is made after the server listens).
      await waitHealthy(url, 240_000, c, '/readyz');
      const ready = await request(url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' }, database: db });
      const basic = { user: 'admin', password: 'install-check-pw' };
      expect((await request(url, 'POST', '/api/v1/orgs', { basic, json: { name: 'installed' } })).status).toBe(201);
      // The web console ships built: its page and the script it loads.
      const page = await fetch(`${url}/console/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const js = await fetch(`${url}${script!}`);
      expect([js.status, js.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    } finally {
      c.proc.kill('SIGTERM');
    }
    expect(await c.exited, c.output()).toBe(0);
  }, 300_000);
});
