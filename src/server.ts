/**
 * Starting and stopping a process: `serve` (HTTP + worker), `serve --no-worker`, `worker`.
 * On SIGINT/SIGTERM it stops accepting requests, lets the running job finish within the
 * grace period (or gives it back to the queue), and closes the database.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { Worker } from './jobs/worker.js';
import { createLogger } from './logger.js';
import { KeyRing } from './secrets/key-ring.js';
import { loadMasterKeys, MASTER_KEY_FILE } from './secrets/master-key.js';
import { join, relative } from 'node:path';
import { beginOpenDatabase, type Database, type OpeningDatabase } from './store/database.js';
import { loadMigrations, migrate, migrationsApplied } from './store/migrate.js';
import { usableTemplate } from './store/pglite-template.js';
import { makeOwnerOnly, ownerOnlyFromNowOn } from './store/data-dir.js';
import { startRetentionSweeps } from './jobs/retention-timer.js';
import { closePackageThreads, setPackageThreads } from './package/thread-pool.js';

/** What serving needs beyond the database, loaded while the database opens rather than before it. */
const loadServing = async () => {
  const [app, metrics, handlers, worker, users] = await Promise.all([
    import('./http/app.js'),
    import('./http/metrics.js'),
    import('./jobs/handlers.js'),
    import('./jobs/worker.js'),
    import('./service/users.js'),
  ]);
  return { buildApp: app.buildApp, Metrics: metrics.Metrics, jobHandlers: handlers.jobHandlers, Worker: worker.Worker, bootstrapAdmin: users.bootstrapAdmin };
};
type Serving = Awaited<ReturnType<typeof loadServing>>;

export interface RunningProcess {
  app?: FastifyInstance;
  worker?: Worker;
  database: Database;
  logger: Logger;
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:8080. */
  url?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  http: boolean;
  worker: boolean;
  logger?: Logger;
  /** Where to print the generated admin password (once). */
  announce?: (line: string) => void;
}

/** Makes the data directory and what assetport keeps in it owner-only; warns about what it could not change. */
function secureDataDir(config: Config, logger: Logger): void {
  const { failed } = makeOwnerOnly(config.dataDir, [MASTER_KEY_FILE, relative(config.dataDir, config.pgliteDir)]);
  if (failed.length > 0) {
    logger.warn({ paths: failed.slice(0, 10), count: failed.length }, `could not make ${failed.length} path(s) in the data directory owner-only (0700/0600); check who owns ${config.dataDir}`);
  }
}

/**
 * Opens the database (the embedded one in the data directory, or DATABASE_URL) and applies
 * missing migrations. A new embedded database starts as the pre-migrated template when the
 * package has one for these migrations (see store/pglite-template.ts; `templateDir` holds
 * another one, for tests).
 */
export async function openAndMigrate(config: Config, logger: Logger, templateDir?: string): Promise<Database> {
  const { database, ready } = await beginOpenAndMigrate(config, logger, templateDir);
  await ready;
  return database;
}

/**
 * Starts what openAndMigrate does; `ready` ends when the database is open and migrated (or
 * failed: nothing is then left open). A start builds its HTTP service meanwhile.
 */
async function beginOpenAndMigrate(config: Config, logger: Logger, templateDir?: string): Promise<OpeningDatabase> {
  ownerOnlyFromNowOn();
  const migrations = loadMigrations();
  const pgliteTemplate = config.databaseUrl ? undefined : usableTemplate(migrations, templateDir);
  const { database, ready } = await beginOpenDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, pgliteTemplate });
  const migrated = async (): Promise<void> => {
    try {
      await ready;
      if (database.templateProblem) logger.warn({ problem: database.templateProblem }, 'could not start the new database from the pre-migrated template; creating it instead');
      // Checking first costs one query; the migrator takes a lock and a transaction per migration.
      const current = await migrationsApplied(database, migrations).catch(() => false);
      const applied = [...database.seeded, ...(current ? [] : await migrate(database, migrations))];
      if (applied.length) logger.info({ applied, ...(database.seeded.length ? { from_template: database.seeded } : {}) }, 'migrations applied');
      // After the open: the database writes files of its own while it opens (its relation
      // cache files, whether it was new, made from the template, or old), with modes of its own.
      secureDataDir(config, logger);
    } catch (e) {
      await database.close().catch(() => undefined);
      throw e;
    }
  };
  return { database, ready: migrated() };
}

/** Creates the admin user on first start (printing a generated password once); warns when ASSETPORT_ADMIN_PASSWORD went stale. */
async function ensureAdmin(config: Config, database: Database, logger: Logger, announce: (line: string) => void, bootstrapAdmin: Serving['bootstrapAdmin']): Promise<void> {
  const admin = await bootstrapAdmin(database.db, config.adminUser, config.adminPassword);
  if (admin.generatedPassword) {
    announce(`assetport: created admin user '${config.adminUser}' with password ${admin.generatedPassword} (shown once; set ASSETPORT_ADMIN_PASSWORD to choose it)`);
  } else if (admin.created) {
    logger.info({ user: config.adminUser }, 'created the admin user');
  } else if (admin.givenPasswordMatches === false) {
    logger.warn(
      { user: config.adminUser },
      `ASSETPORT_ADMIN_PASSWORD is set but is not the password of user '${config.adminUser}' (it is used only when the user is first created): unset it, or apply it with \`assetport admin reset-password\``,
    );
  }
}

interface Prepared {
  serving: Serving;
  metrics: InstanceType<Serving['Metrics']>;
  app?: FastifyInstance;
}

/** Loads the serving code and builds the HTTP service (schemas compiled), ready to listen once the database is. */
async function prepareServing(
  deps: { config: Config; database: Database; keyring: KeyRing; logger: Logger },
  http: boolean,
  hooks: { onJobEnqueued(): void; started(): boolean },
): Promise<Prepared> {
  const serving = await loadServing();
  const metrics = new serving.Metrics({ defaultMetrics: true });
  if (!http) return { serving, metrics };
  const app = await serving.buildApp({ ...deps, metrics, ...hooks });
  try {
    await app.ready();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  return { serving, metrics, app };
}

/** /metrics on an address of its own (ASSETPORT_METRICS_LISTEN), for HTTP and worker processes alike; `undo` runs when it can't listen. */
async function listenForMetrics(config: Config, metrics: InstanceType<Serving['Metrics']>, undo: () => Promise<void>): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (!config.metrics.listen) return undefined;
  try {
    return await (await import('./http/metrics-access.js')).startMetricsListener(config, metrics);
  } catch (e) {
    await undo();
    throw e;
  }
}

export async function startProcess(config: Config, opts: StartOptions): Promise<RunningProcess> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  ownerOnlyFromNowOn();
  const keys = await loadMasterKeys({ envValue: config.masterKey, dataDir: config.dataDir });
  if (keys.generated) logger.warn({ path: join(config.dataDir, MASTER_KEY_FILE) }, 'generated a new master key; back it up, and set ASSETPORT_MASTER_KEY on every process that shares this database');
  const keyring = KeyRing.fromMasterKeys(keys.keys);
  setPackageThreads(config.packageThreads);

  // The embedded database opens on its own thread while the serving code loads and the
  // HTTP service is built; it listens once both are done. Nothing stays open when either fails.
  const opening = await beginOpenAndMigrate(config, logger);
  const { database } = opening;
  let worker: Worker | undefined;
  let started = false;
  const [opened, preparing] = await Promise.allSettled([
    opening.ready,
    prepareServing({ config, database, keyring, logger }, opts.http, { onJobEnqueued: () => worker?.poke(), started: () => started }),
  ]);
  if (opened.status === 'rejected') {
    if (preparing.status === 'fulfilled') await preparing.value.app?.close().catch(() => undefined);
    throw opened.reason;
  }
  if (preparing.status === 'rejected') {
    await database.close().catch(() => undefined);
    throw preparing.reason;
  }
  const { serving, metrics, app } = preparing.value;

  if (opts.worker) {
    worker = new serving.Worker({
      db: database.db,
      handlers: serving.jobHandlers({ config, database, keyring, logger }),
      logger,
      leaseMs: config.jobLeaseSeconds * 1000,
      pollMs: config.workerPollMs,
      notifications: database.jobNotifications,
      hooks: {
        onFinished: (job, outcome, seconds) => {
          metrics.jobsFinished.inc({ kind: job.kind, outcome });
          metrics.jobDuration.observe({ kind: job.kind }, seconds);
        },
      },
    });
  }

  let url: string | undefined;
  if (app) {
    try {
      url = await app.listen({ host: config.host, port: config.port });
      // Only now that it listens: a start that failed before (port in use) made no admin, so
      // the next start generates and prints a password again instead of keeping one no one saw.
      await ensureAdmin(config, database, logger, opts.announce ?? ((l) => process.stdout.write(`${l}\n`)), serving.bootstrapAdmin);
    } catch (e) {
      // Leave nothing half-open behind (the embedded database above all).
      await app.close().catch(() => undefined);
      await database.close().catch(() => undefined);
      throw e;
    }
  }
  const metricsListener = await listenForMetrics(config, metrics, async () => {
    await app?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
  });
  worker?.start();
  const sweeps = startRetentionSweeps(database.db, logger, { ...config, intervalSeconds: config.sweepIntervalSeconds });
  started = true;
  logger.info({ url, metrics_url: metricsListener?.url, worker: Boolean(worker), database: database.kind }, 'assetport started');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping');
      // Both at once: the worker stops claiming while requests under way finish.
      await Promise.all([app?.close(), worker?.stop(config.shutdownGraceSeconds * 1000), metricsListener?.close(), sweeps.stop()]);
      await closePackageThreads();
      await database.close();
      logger.info('stopped');
    })());
  return { app, worker, database, logger, url, stop };
}
