/**
 * Configuration from the environment. Every variable is documented in
 * docs/configuration.md; an invalid value is a ConfigError naming the variable.
 */
import { resolve, join } from 'node:path';
import { DEFAULT_PASSWORD_HASH_COST, MAX_PASSWORD_HASH_COST, MIN_PASSWORD_HASH_COST } from '../auth/passwords.js';
import { defaultPackageThreads } from '../package/thread-pool.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Limits {
  /** Largest request body accepted for JSON calls. */
  jsonBodyBytes: number;
  /** Largest uploaded package. */
  uploadBytes: number;
  unpackedBytes: number;
  entries: number;
  entryBytes: number;
  ratio: number;
  pathBytes: number;
  /** Largest export a SnapLogic export call answers without `force=true`. */
  exportBytes: number;
}

export interface Timeouts {
  /** The whole request (headers and body) must arrive within this (ms); 0: no limit. */
  requestMs: number;
  /** A connection with no traffic either way for this long is closed (ms); 0: never. */
  idleMs: number;
  /** An upload slower than this (bytes/s) over `uploadRateWindowMs` of waiting for the client is cut off; 0: no floor. */
  minUploadBytesPerSecond: number;
  uploadRateWindowMs: number;
  /**
   * The SnapLogic door's ceiling on a synchronous call (import, export, migrate) (ms): past
   * it the call answers in its envelope while the job runs on to its end.
   */
  snaplogicCallMs: number;
}

export interface RateLimits {
  /** Failed logins per client address per window (0: no limit). */
  loginFailuresPerAddress: number;
  /** Failed logins per user name (or access key) per window (0: no limit). */
  loginFailuresPerUser: number;
  loginFailureWindowSeconds: number;
  /** Uploads (imports) per user per minute (0: no limit). */
  uploadsPerMinute: number;
  /** Open job event streams per user, per process (0: no limit). */
  eventStreamsPerUser: number;
}

/** The defaults of the ASSETPORT_LOGIN_FAILURES_*, ASSETPORT_UPLOADS_PER_MINUTE and ASSETPORT_MAX_EVENT_STREAMS_PER_USER settings. */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({ loginFailuresPerAddress: 20, loginFailuresPerUser: 100, loginFailureWindowSeconds: 900, uploadsPerMinute: 600, eventStreamsPerUser: 20 });

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  pgliteDir: string;
  adminUser: string;
  adminPassword: string | undefined;
  masterKey: string | undefined;
  logLevel: LogLevel;
  tokenTtlSeconds: number;
  /** How long a verified password is remembered (ms; 0: not at all) and how many are. */
  passwordCache: { ttlMs: number; maxEntries: number };
  /** log2 of scrypt's N for the password hashes this process makes (auth/passwords.ts). */
  passwordHashCost: number;
  jobLeaseSeconds: number;
  jobMaxAttempts: number;
  workerPollMs: number;
  /** Finished jobs (with their uploaded package and archive) are removed this long after they ended; 0 keeps them. */
  retainJobsHours: number;
  /** Export archives are removed this long after their export ended (the job stays); 0 keeps them. */
  retainArchivesHours: number;
  /** Uploads no queued or running job needs are removed this long after they were made; 0 keeps them. */
  retainUploadsHours: number;
  /** How often each process runs the retention sweep; 0 never. */
  sweepIntervalSeconds: number;
  shutdownGraceSeconds: number;
  /** Threads that verify and compress package entries beside the calling one (0: none). */
  packageThreads: number;
  limits: Limits;
  timeouts: Timeouts;
  rateLimits: RateLimits;
  /** Who may read /metrics: a bearer token, and/or a listen address of its own (then not on the main one). */
  metrics: { token: string | undefined; listen: { host: string; port: number } | undefined };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For is believed for the client address. */
  trustProxy: boolean | number | string;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number between ${min} and ${max}`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(name, `must be a whole number between ${min} and ${max}`);
  return n;
}

/** Sizes accept a plain byte count or a number with KiB/MiB/GiB (also K/M/G). */
function size(env: Env, name: string, dflt: number, zeroAllowed = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const m = /^\s*(\d+)\s*(k|kib|kb|m|mib|mb|g|gib|gb)?\s*$/i.exec(raw);
  if (!m) throw new ConfigError(name, 'must be a size such as 268435456, 256MiB or 1GiB');
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Number(m[1]) * mult;
  if (n < 1 && !zeroAllowed) throw new ConfigError(name, 'must be at least 1 byte');
  return n;
}

function rateLimits(env: Env): RateLimits {
  const d = DEFAULT_RATE_LIMITS;
  return {
    loginFailuresPerAddress: int(env, 'ASSETPORT_LOGIN_FAILURES_PER_ADDRESS', d.loginFailuresPerAddress, 0, 1_000_000),
    loginFailuresPerUser: int(env, 'ASSETPORT_LOGIN_FAILURES_PER_USER', d.loginFailuresPerUser, 0, 1_000_000),
    loginFailureWindowSeconds: int(env, 'ASSETPORT_LOGIN_FAILURE_WINDOW_SECONDS', d.loginFailureWindowSeconds, 1, 7 * 24 * 3600),
    uploadsPerMinute: int(env, 'ASSETPORT_UPLOADS_PER_MINUTE', d.uploadsPerMinute, 0, 1_000_000),
    eventStreamsPerUser: int(env, 'ASSETPORT_MAX_EVENT_STREAMS_PER_USER', d.eventStreamsPerUser, 0, 100_000),
  };
}

/** ASSETPORT_TRUST_PROXY: unset or false (none), true (any), a hop count, or a comma-separated list of proxy addresses or CIDR ranges. */
function trustProxy(env: Env): boolean | number | string {
  const raw = env.ASSETPORT_TRUST_PROXY?.trim() ?? '';
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return int(env, 'ASSETPORT_TRUST_PROXY', 0, 0, 100);
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(p))) throw new ConfigError('ASSETPORT_TRUST_PROXY', 'must be true, false, a number of hops, or a comma-separated list of addresses or CIDR ranges');
  return parts.join(',');
}

function metricsToken(env: Env): string | undefined {
  const t = env.ASSETPORT_METRICS_TOKEN;
  if (t === undefined || t === '') return undefined;
  if (!/^[\x21-\x7e]{16,512}$/.test(t)) throw new ConfigError('ASSETPORT_METRICS_TOKEN', 'must be 16 to 512 printable characters without spaces');
  return t;
}

/** ASSETPORT_METRICS_LISTEN: `host:port`, `[v6]:port` or a port alone (on 127.0.0.1). */
function metricsListen(env: Env): { host: string; port: number } | undefined {
  const raw = env.ASSETPORT_METRICS_LISTEN?.trim();
  if (!raw) return undefined;
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):)?(\d{1,5})$/.exec(raw);
  if (!m || Number(m[3]) > 65535) throw new ConfigError('ASSETPORT_METRICS_LISTEN', 'must be host:port, [ipv6]:port or a port');
  return { host: m[1] || m[2] || '127.0.0.1', port: Number(m[3]) };
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const host = env.HOST?.trim() || '127.0.0.1';
  if (/\s/.test(host)) throw new ConfigError('HOST', 'must be a host name or address');
  const port = int(env, 'PORT', 8080, 0, 65535);
  const dataDir = resolve(cwd, env.ASSETPORT_DATA_DIR?.trim() || './.assetport');

  let databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl) {
    let u: URL;
    try {
      u = new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL', 'must be a URL such as postgres://user@host:5432/db');
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
      throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
    }
    databaseUrl = u.toString();
  }

  const adminUser = env.ASSETPORT_ADMIN_USER?.trim() || 'admin';
  if (!/^[\p{L}\p{N}][\p{L}\p{N}_.@-]{0,63}$/u.test(adminUser)) {
    throw new ConfigError('ASSETPORT_ADMIN_USER', 'must be 1-64 letters, digits, _ . @ - and start with a letter or digit');
  }
  const adminPassword = env.ASSETPORT_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('ASSETPORT_ADMIN_PASSWORD', 'must be at least 8 characters');
  }

  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    host,
    port,
    dataDir,
    databaseUrl,
    pgliteDir: join(dataDir, 'pgdata'),
    adminUser,
    adminPassword,
    masterKey: env.ASSETPORT_MASTER_KEY || undefined,
    logLevel,
    tokenTtlSeconds: int(env, 'ASSETPORT_TOKEN_TTL_SECONDS', 24 * 3600, 60, 30 * 24 * 3600),
    passwordCache: {
      ttlMs: int(env, 'ASSETPORT_PASSWORD_CACHE_SECONDS', 60, 0, 3600) * 1000,
      maxEntries: int(env, 'ASSETPORT_PASSWORD_CACHE_ENTRIES', 10_000, 1, 1_000_000),
    },
    passwordHashCost: int(env, 'ASSETPORT_PASSWORD_HASH_COST', DEFAULT_PASSWORD_HASH_COST, MIN_PASSWORD_HASH_COST, MAX_PASSWORD_HASH_COST),
    jobLeaseSeconds: int(env, 'ASSETPORT_JOB_LEASE_SECONDS', 30, 1, 3600),
    jobMaxAttempts: int(env, 'ASSETPORT_JOB_MAX_ATTEMPTS', 3, 1, 100),
    workerPollMs: int(env, 'ASSETPORT_WORKER_POLL_MS', 2000, 10, 60_000),
    retainJobsHours: int(env, 'ASSETPORT_RETAIN_JOBS_HOURS', 30 * 24, 0, 100 * 365 * 24),
    retainArchivesHours: int(env, 'ASSETPORT_RETAIN_ARCHIVES_HOURS', 7 * 24, 0, 100 * 365 * 24),
    retainUploadsHours: int(env, 'ASSETPORT_RETAIN_UPLOADS_HOURS', 24, 0, 100 * 365 * 24),
    sweepIntervalSeconds: int(env, 'ASSETPORT_SWEEP_INTERVAL_SECONDS', 3600, 0, 7 * 24 * 3600),
    shutdownGraceSeconds: int(env, 'ASSETPORT_SHUTDOWN_GRACE_SECONDS', 20, 0, 3600),
    packageThreads: int(env, 'ASSETPORT_PACKAGE_THREADS', defaultPackageThreads(), 0, 64),
    limits: {
      jsonBodyBytes: size(env, 'ASSETPORT_MAX_JSON_BODY', 1024 ** 2),
      uploadBytes: size(env, 'ASSETPORT_MAX_UPLOAD', 256 * 1024 ** 2),
      unpackedBytes: size(env, 'ASSETPORT_MAX_UNPACKED', 1024 ** 3),
      entries: int(env, 'ASSETPORT_MAX_ENTRIES', 10_100, 1, 1_000_000),
      entryBytes: size(env, 'ASSETPORT_MAX_ENTRY', 64 * 1024 ** 2),
      ratio: int(env, 'ASSETPORT_MAX_RATIO', 200, 1, 100_000),
      pathBytes: int(env, 'ASSETPORT_MAX_PATH', 1024, 16, 65_535),
      exportBytes: size(env, 'ASSETPORT_MAX_EXPORT', 100 * 1024 ** 2),
    },
    rateLimits: rateLimits(env),
    metrics: { token: metricsToken(env), listen: metricsListen(env) },
    trustProxy: trustProxy(env),
    timeouts: {
      requestMs: int(env, 'ASSETPORT_REQUEST_TIMEOUT_SECONDS', 3600, 0, 7 * 24 * 3600) * 1000,
      idleMs: int(env, 'ASSETPORT_IDLE_TIMEOUT_SECONDS', 120, 0, 24 * 3600) * 1000,
      minUploadBytesPerSecond: size(env, 'ASSETPORT_MIN_UPLOAD_BYTES_PER_SECOND', 10 * 1024, true),
      uploadRateWindowMs: int(env, 'ASSETPORT_UPLOAD_RATE_WINDOW_SECONDS', 30, 1, 3600) * 1000,
      snaplogicCallMs: int(env, 'ASSETPORT_SNAPLOGIC_TIMEOUT_MS', 15 * 60 * 1000, 1, 7 * 24 * 3600 * 1000),
    },
  };
}
