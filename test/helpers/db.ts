/**
 * A fresh database per test file: an in-memory PGlite, or a new database on the
 * PostgreSQL server named by ASSETPORT_TEST_PG_URL, dropped afterwards. Which one is
 * chosen by ASSETPORT_TEST_DB (pglite | postgres; default pglite).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';

export const TEST_DB_KIND = (process.env.ASSETPORT_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';
const TEST_PG_URL = process.env.ASSETPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  database: Database;
  /** postgres://… of the created database (postgres only) — for spawning servers. */
  url?: string;
  drop(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty PostgreSQL database and returns its URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assetport_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
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
  if (TEST_DB_KIND === 'postgres') {
    const created = await createPostgresDatabase();
    const database = await openDatabase({ databaseUrl: created.url, poolSize: 5 });
    if (opts.migrate !== false) await migrate(database);
    return {
      database,
      url: created.url,
      async drop() {
        await database.close();
        await created.drop();
      },
    };
  }
  const database = await openDatabase({ pgliteDir: 'memory' });
  if (opts.migrate !== false) await migrate(database);
  return { database, drop: () => database.close() };
}
