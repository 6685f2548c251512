/**
 * Starting and stopping a process: `serve` (HTTP + worker), `serve --no-worker`, `worker`.
 * On SIGINT/SIGTERM it stops accepting requests, lets the running job finish within the
 * grace period (or gives it back to the queue), and closes the database.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { buildApp } from './http/app.js';
import { Metrics } from './http/metrics.js';
import { jobHandlers } from './jobs/handlers.js';
import { Worker } from './jobs/worker.js';
import { createLogger } from './logger.js';
import { KeyRing } from './secrets/key-ring.js';
import { loadMasterKeys, MASTER_KEY_FILE } from './secrets/master-key.js';
import { join, relative } from 'node:path';
import { openDatabase, type Database } from './store/database.js';
import { migrate } from './store/migrate.js';
import { makeOwnerOnly, ownerOnlyFromNowOn } from './store/data-dir.js';
import { closePackageThreads, setPackageThreads } from './package/thread-pool.js';
import { bootstrapAdmin } from './service/users.js';

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
async function secureDataDir(config: Config, logger: Logger): Promise<void> {
  const { failed } = await makeOwnerOnly(config.dataDir, [MASTER_KEY_FILE, relative(config.dataDir, config.pgliteDir)]);
  if (failed.length > 0) {
    logger.warn({ paths: failed.slice(0, 10), count: failed.length }, `could not make ${failed.length} path(s) in the data directory owner-only (0700/0600); check who owns ${config.dataDir}`);
  }
}

/** Opens the database (the embedded one in the data directory, or DATABASE_URL) and applies missing migrations. */
export async function openAndMigrate(config: Config, logger: Logger): Promise<Database> {
  ownerOnlyFromNowOn();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
  try {
    const applied = await migrate(database);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    // After the open: a new embedded database unpacks its first files with modes of its own.
    await secureDataDir(config, logger);
    return database;
  } catch (e) {
    await database.close().catch(() => undefined);
    throw e;
  }
}

/** Creates the admin user on first start (printing a generated password once); warns when ASSETPORT_ADMIN_PASSWORD went stale. */
async function ensureAdmin(config: Config, database: Database, logger: Logger, announce: (line: string) => void): Promise<void> {
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

export async function startProcess(config: Config, opts: StartOptions): Promise<RunningProcess> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  ownerOnlyFromNowOn();
  const keys = await loadMasterKeys({ envValue: config.masterKey, dataDir: config.dataDir });
  if (keys.generated) logger.warn({ path: join(config.dataDir, MASTER_KEY_FILE) }, 'generated a new master key; back it up, and set ASSETPORT_MASTER_KEY on every process that shares this database');
  const keyring = KeyRing.fromMasterKeys(keys.keys);
  setPackageThreads(config.packageThreads);
  const database = await openAndMigrate(config, logger);
  const metrics = new Metrics({ defaultMetrics: true });

  let worker: Worker | undefined;
  if (opts.worker) {
    worker = new Worker({
      db: database.db,
      handlers: jobHandlers({ config, database, keyring, logger }),
      logger,
      leaseMs: config.jobLeaseSeconds * 1000,
      pollMs: config.workerPollMs,
      hooks: {
        onFinished: (job, outcome, seconds) => {
          metrics.jobsFinished.inc({ kind: job.kind, outcome });
          metrics.jobDuration.observe({ kind: job.kind }, seconds);
        },
      },
    });
  }

  let app: FastifyInstance | undefined;
  let url: string | undefined;
  let started = false;
  if (opts.http) {
    try {
      app = await buildApp({ config, database, keyring, logger, metrics, onJobEnqueued: () => worker?.poke(), started: () => started });
      url = await app.listen({ host: config.host, port: config.port });
      // Only now that it listens: a start that failed before (port in use) made no admin, so
      // the next start generates and prints a password again instead of keeping one no one saw.
      await ensureAdmin(config, database, logger, opts.announce ?? ((l) => process.stdout.write(`${l}\n`)));
    } catch (e) {
      // Leave nothing half-open behind (the embedded database above all).
      await app?.close().catch(() => undefined);
      await database.close().catch(() => undefined);
      throw e;
    }
  }
  worker?.start();
  started = true;
  logger.info({ url, worker: Boolean(worker), database: database.kind }, 'assetport started');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping');
      // Both at once: the worker stops claiming while requests under way finish.
      await Promise.all([app?.close(), worker?.stop(config.shutdownGraceSeconds * 1000)]);
      await closePackageThreads();
      await database.close();
      logger.info('stopped');
    })());
  return { app, worker, database, logger, url, stop };
}
