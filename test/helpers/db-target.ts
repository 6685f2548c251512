/**
 * Which database the tests run on (ASSETPORT_TEST_DB: pglite | postgres; default pglite)
 * and, for PostgreSQL, the server they create their databases on. Free of vitest, so the
 * global setup can use it too.
 */
export const TEST_DB_KIND = (process.env.ASSETPORT_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';
export const TEST_PG_URL = process.env.ASSETPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Whether the PostgreSQL server at TEST_PG_URL answers a query. */
export async function postgresAnswers(): Promise<boolean> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
