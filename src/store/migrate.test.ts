import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { loadMigrations, migrate, migrationsApplied } from './migrate.js';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(() => t.drop());

  it('applies every migration once, and a second run applies nothing', async () => {
    expect(await migrate(t.database)).toEqual(loadMigrations().map((m) => m.version));
    expect(await migrate(t.database)).toEqual([]);
    expect(await migrationsApplied(t.database)).toBe(true);
  });

  it('reports missing migrations', async () => {
    const extra = [...loadMigrations(), { version: 999, name: '999_future', sql: 'SELECT 1' }];
    expect(await migrationsApplied(t.database, extra)).toBe(false);
  });

  it('rolls back a failing migration completely', async () => {
    const bad = [{ version: 998, name: '998_bad', sql: 'CREATE TABLE half_done (id int); SELECT no_such_column FROM orgs;' }];
    await expect(migrate(t.database, bad)).rejects.toThrow();
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half_done'`.execute(t.database.db);
    expect(r.rows[0]?.n).toBe(0);
    const v = await t.database.db.selectFrom('schema_migrations').select('version').where('version', '=', 998).execute();
    expect(v).toEqual([]);
  });

  it('enforces one active asset job per user with a partial unique index', async () => {
    const db = t.database.db;
    await db.insertInto('users').values({ id: 'a'.repeat(32), name: 'u1', password_hash: 'x' }).execute();
    await db.insertInto('jobs').values({ id: '1'.repeat(32), kind: 'import', asset_job: true, user_id: 'a'.repeat(32), params: '{}', reasons: '[]' }).execute();
    await expect(
      db.insertInto('jobs').values({ id: '2'.repeat(32), kind: 'export', asset_job: true, user_id: 'a'.repeat(32), params: '{}', reasons: '[]' }).execute(),
    ).rejects.toThrow(/jobs_one_active_asset_job|unique/);
    await db.updateTable('jobs').set({ state: 'SUCCEEDED' }).where('id', '=', '1'.repeat(32)).execute();
    await db.insertInto('jobs').values({ id: '3'.repeat(32), kind: 'export', asset_job: true, user_id: 'a'.repeat(32), params: '{}', reasons: '[]' }).execute();
  });
});
