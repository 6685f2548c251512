/**
 * A fresh database per test file: an in-memory PGlite, or a new database on the
 * PostgreSQL server named by ASSETPORT_TEST_PG_URL, dropped afterwards. Which one is
 * chosen by ASSETPORT_TEST_DB (pglite | postgres; default pglite).
 *
 * A migrated database starts as a copy of the one test/global-setup.ts migrated once for
 * the run (a saved PGlite data directory, or a PostgreSQL template database); without
 * that (a run without the global setup) it is created and migrated here. On PGlite a test
 * process keeps the migrated databases its files are done with, emptied back to that
 * state, for its next files (./kept-pglite.ts): opening one costs far more than emptying it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { TEST_DB_KIND, TEST_PG_URL, withDatabaseName } from './db-target.js';
import { lendMigratedPGlite } from './kept-pglite.js';

export { TEST_DB_KIND };

export interface TestDatabase {
  database: Database;
  /** postgres://… of the created database (postgres only) — for spawning servers. */
  url?: string;
  drop(): Promise<void>;
}

/**
 * Creates a PostgreSQL database and returns its URL and a drop function: an empty one,
 * or a copy of `template`.
 */
export async function createPostgresDatabase(opts: { template?: string } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assetport_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    // Two copies of one template at the same moment: PostgreSQL refuses the second with
    // 55006 ("source database … is being accessed by other users") while the first copies.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name}${opts.template ? ` TEMPLATE ${opts.template}` : ''}`);
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== '55006' || attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: withDatabaseName(TEST_PG_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrated = opts.migrate !== false;
  if (TEST_DB_KIND === 'postgres') {
    const template = migrated ? inject('pgTemplate') : undefined;
    const created = await createPostgresDatabase({ template });
    const database = await openDatabase({ databaseUrl: created.url, poolSize: 5 });
    if (migrated && !template) await migrate(database);
    return {
      database,
      url: created.url,
      async drop() {
        await database.close();
        await created.drop();
      },
    };
  }
  const archive = migrated ? inject('pgliteMigratedArchive') : undefined;
  if (archive) {
    const database = await lendMigratedPGlite(archive);
    return { database, drop: () => database.close() };
  }
  const database = await openDatabase({ pgliteDir: 'memory' });
  if (migrated) await migrate(database);
  return { database, drop: () => database.close() };
}
