/**
 * Numbered, forward-only SQL migrations (`migrations/NNN_name.sql`), applied at start,
 * each in its own transaction under an advisory lock: two processes starting at once
 * against one database both come up, the second finding the work done.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

// src/store/migrations from the sources; dist/store/migrations, copied there by the build, from the package.
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary constant: the advisory lock key of the migrator ("assetpor" in ASCII). */
const MIGRATION_LOCK_KEY = '7022344756064735090';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.replace(/\.sql$/, ''), sql: readFileSync(`${dir}/${f}`, 'utf8') }));
}

/** Applies every missing migration; returns the versions applied by this call. */
export async function migrate(database: Pick<Database, 'withScriptRunner'>, migrations = loadMigrations()): Promise<number[]> {
  return database.withScriptRunner(async (run) => {
    const applied: number[] = [];
    await run('BEGIN');
    try {
      await run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      await run(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await run('COMMIT');
    } catch (e) {
      await run('ROLLBACK');
      throw e;
    }
    for (const m of migrations) {
      await run('BEGIN');
      try {
        await run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
        // The check runs after taking the lock, so a migration is never applied twice.
        await run(`DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM schema_migrations WHERE version = ${m.version}) THEN
            RAISE EXCEPTION 'assetport:already-applied';
          END IF; END $$`);
        await run(m.sql);
        await run(`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, '${m.name}')`);
        await run('COMMIT');
        applied.push(m.version);
      } catch (e) {
        await run('ROLLBACK');
        if (e instanceof Error && e.message.includes('assetport:already-applied')) continue;
        throw e;
      }
    }
    return applied;
  });
}

/** Whether every known migration is applied (for /readyz). */
export async function migrationsApplied(database: Database, migrations = loadMigrations()): Promise<boolean> {
  const rows = await database.db.selectFrom('schema_migrations').select('version').execute();
  const have = new Set(rows.map((r) => r.version));
  return migrations.every((m) => have.has(m.version));
}
