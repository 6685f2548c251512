/** Operations endpoints: liveness, readiness, metrics. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../store/database.js';
import { loadMigrations, migrationsApplied } from '../store/migrate.js';
import type { Metrics } from './metrics.js';
import { registerMetricsRoute } from './metrics-access.js';

/** `metricsAccess`: the metrics token, and whether /metrics is served here (not on ASSETPORT_METRICS_LISTEN). */
export function registerOpsRoutes(app: FastifyInstance, database: Database, metrics: Metrics, metricsAccess: { token: string | undefined; here: boolean }, started?: () => boolean): void {
  const migrations = loadMigrations(); // read once, not on every probe
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, 'ok' | 'failing'> = { database: 'failing', migrations: 'failing' };
    try {
      await sql`SELECT 1`.execute(database.db);
      checks.database = 'ok';
      checks.migrations = (await migrationsApplied(database, migrations)) ? 'ok' : 'failing';
    } catch {
      // reported below
    }
    if (started) checks.startup = started() ? 'ok' : 'failing';
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks, database: database.kind });
  });

  if (metricsAccess.here) registerMetricsRoute(app, metrics, metricsAccess.token);
}
