/**
 * Runs once per test run, before any test file: brings dist/ up to date with the sources
 * (the tests that start `assetport` as a process run the built package), and migrates one
 * database and keeps it as the starting point of every test database (test/helpers/db.ts
 * copies it), so no test file pays for creating and migrating a database of its own.
 *
 * - PGlite: the build's pre-migrated template when it holds every migration; otherwise a
 *   migrated data directory, saved as a gzipped tarball in a temporary directory.
 * - PostgreSQL: a migrated template database with a name unique to this run, closed to
 *   connections (CREATE DATABASE … TEMPLATE refuses a template anyone is connected to).
 *
 * What the run made is removed when it ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/store/database.js';
import { loadMigrations, migrate } from '../src/store/migrate.js';
import { usableTemplate } from '../src/store/pglite-template.js';
import { ensureBuilt } from './helpers/build.js';
import { TEST_DB_KIND, TEST_PG_URL, withDatabaseName } from './helpers/db-target.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the migrated PGlite data directory tarball (PGlite runs). */
    pgliteMigratedArchive?: string;
    /** Name of the migrated template database (PostgreSQL runs). */
    pgTemplate?: string;
  }
}

async function adminQuery(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function savePGliteArchive(dir: string): Promise<string> {
  const lite = new PGlite();
  let archive: Blob;
  try {
    await migrate({ withScriptRunner: (fn) => fn(async (text) => void (await lite.exec(text))) });
    archive = await lite.dumpDataDir('gzip');
  } finally {
    await lite.close();
  }
  const file = join(dir, 'migrated.tar.gz');
  writeFileSync(file, Buffer.from(await archive.arrayBuffer()));
  return file;
}

async function createPostgresTemplate(): Promise<string> {
  const name = `assetport_tpl_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  try {
    const database = await openDatabase({ databaseUrl: withDatabaseName(TEST_PG_URL, name), poolSize: 1 });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
    // From now on nobody can connect to it, so copying it never finds a session there.
    await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  } catch (e) {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    throw e;
  }
  return name;
}

/** The build's pre-migrated template, when it holds every migration of the sources. */
function builtTemplate(): string | undefined {
  const migrations = loadMigrations();
  const t = usableTemplate(migrations);
  return t && t.versions.length === migrations.length ? t.archive : undefined;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureBuilt();
  if (TEST_DB_KIND === 'postgres') {
    const name = await createPostgresTemplate();
    project.provide('pgTemplate', name);
    return () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const built = builtTemplate();
  if (built) {
    project.provide('pgliteMigratedArchive', built);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'assetport-test-db-'));
  try {
    project.provide('pgliteMigratedArchive', await savePGliteArchive(dir));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return async () => rmSync(dir, { recursive: true, force: true });
}
