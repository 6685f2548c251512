import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({}, '/srv');
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: '/srv/.assetport', databaseUrl: undefined, adminUser: 'admin', logLevel: 'info' });
    expect(c.pgliteDir).toBe('/srv/.assetport/pgdata');
    expect(c.limits).toEqual({ jsonBodyBytes: 1048576, uploadBytes: 268435456, unpackedBytes: 1073741824, entries: 10100, entryBytes: 67108864, ratio: 200, pathBytes: 1024, exportBytes: 104857600 });
    expect(c.timeouts).toEqual({ requestMs: 3_600_000, idleMs: 120_000, minUploadBytesPerSecond: 10240, uploadRateWindowMs: 30_000, snaplogicCallMs: 900_000 });
    expect(c.passwordCache).toEqual({ ttlMs: 60_000, maxEntries: 10_000 });
    expect(c.passwordHashCost).toBe(15);
  });

  it('reads the retention settings, where 0 keeps jobs forever or never sweeps', () => {
    expect(loadConfig({})).toMatchObject({ retainJobsHours: 720, sweepIntervalSeconds: 3600 });
    expect(loadConfig({ ASSETPORT_RETAIN_JOBS_HOURS: '0', ASSETPORT_SWEEP_INTERVAL_SECONDS: '0' })).toMatchObject({ retainJobsHours: 0, sweepIntervalSeconds: 0 });
    expect(loadConfig({ ASSETPORT_RETAIN_JOBS_HOURS: '48', ASSETPORT_SWEEP_INTERVAL_SECONDS: '60' })).toMatchObject({ retainJobsHours: 48, sweepIntervalSeconds: 60 });
    expect(() => loadConfig({ ASSETPORT_RETAIN_JOBS_HOURS: '-1' })).toThrow(ConfigError);
  });

  it('reads the password hash cost: log2 of scrypt\'s N, from 10 to 16', () => {
    expect(loadConfig({ ASSETPORT_PASSWORD_HASH_COST: '10' }).passwordHashCost).toBe(10);
    expect(loadConfig({ ASSETPORT_PASSWORD_HASH_COST: '16' }).passwordHashCost).toBe(16);
    for (const bad of ['9', '17', 'cheap']) expect(() => loadConfig({ ASSETPORT_PASSWORD_HASH_COST: bad }), bad).toThrow(/ASSETPORT_PASSWORD_HASH_COST/);
  });

  it('reads the password cache settings, where a TTL of 0 turns it off', () => {
    expect(loadConfig({ ASSETPORT_PASSWORD_CACHE_SECONDS: '0', ASSETPORT_PASSWORD_CACHE_ENTRIES: '5' }).passwordCache).toEqual({ ttlMs: 0, maxEntries: 5 });
    expect(loadConfig({ ASSETPORT_PASSWORD_CACHE_SECONDS: '300' }).passwordCache.ttlMs).toBe(300_000);
  });

  it('reads the rate limits (0 turns one off) and whom to trust for the client address', () => {
    expect(loadConfig({}).rateLimits).toEqual({ loginFailuresPerAddress: 20, loginFailuresPerUser: 100, loginFailureWindowSeconds: 900, uploadsPerMinute: 600, eventStreamsPerUser: 20 });
    const c = loadConfig({ ASSETPORT_LOGIN_FAILURES_PER_ADDRESS: '0', ASSETPORT_LOGIN_FAILURES_PER_USER: '7', ASSETPORT_LOGIN_FAILURE_WINDOW_SECONDS: '60', ASSETPORT_UPLOADS_PER_MINUTE: '0', ASSETPORT_MAX_EVENT_STREAMS_PER_USER: '3' });
    expect(c.rateLimits).toEqual({ loginFailuresPerAddress: 0, loginFailuresPerUser: 7, loginFailureWindowSeconds: 60, uploadsPerMinute: 0, eventStreamsPerUser: 3 });
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ ASSETPORT_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ASSETPORT_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ ASSETPORT_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).trustProxy).toBe('10.0.0.0/8,127.0.0.1,::1');
    expect(() => loadConfig({ ASSETPORT_TRUST_PROXY: 'yes please' })).toThrow(/ASSETPORT_TRUST_PROXY/);
    expect(() => loadConfig({ ASSETPORT_LOGIN_FAILURE_WINDOW_SECONDS: '0' })).toThrow(/ASSETPORT_LOGIN_FAILURE_WINDOW_SECONDS/);
  });

  it('reads who may read /metrics', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, listen: undefined });
    expect(loadConfig({ ASSETPORT_METRICS_TOKEN: 'm'.repeat(16) }).metrics.token).toBe('m'.repeat(16));
    expect(() => loadConfig({ ASSETPORT_METRICS_TOKEN: 'short' })).toThrow(/ASSETPORT_METRICS_TOKEN/);
    expect(loadConfig({ ASSETPORT_METRICS_LISTEN: '9464' }).metrics.listen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ ASSETPORT_METRICS_LISTEN: '0.0.0.0:9464' }).metrics.listen).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(loadConfig({ ASSETPORT_METRICS_LISTEN: '[::1]:9464' }).metrics.listen).toEqual({ host: '::1', port: 9464 });
    expect(loadConfig({ ASSETPORT_METRICS_LISTEN: ':9464' }).metrics.listen).toEqual({ host: '127.0.0.1', port: 9464 });
    for (const bad of ['host:', 'a:b', '1:2:3', '70000', 'x y:1']) expect(() => loadConfig({ ASSETPORT_METRICS_LISTEN: bad }), bad).toThrow(/ASSETPORT_METRICS_LISTEN/);
  });

  it('reads the timeouts, where 0 turns one off', () => {
    const c = loadConfig({ ASSETPORT_REQUEST_TIMEOUT_SECONDS: '0', ASSETPORT_IDLE_TIMEOUT_SECONDS: '5', ASSETPORT_MIN_UPLOAD_BYTES_PER_SECOND: '1KiB', ASSETPORT_UPLOAD_RATE_WINDOW_SECONDS: '2' });
    expect(c.timeouts).toEqual({ requestMs: 0, idleMs: 5000, minUploadBytesPerSecond: 1024, uploadRateWindowMs: 2000, snaplogicCallMs: 900_000 });
    expect(loadConfig({ ASSETPORT_MIN_UPLOAD_BYTES_PER_SECOND: '0' }).timeouts.minUploadBytesPerSecond).toBe(0);
  });

  it('reads every variable', () => {
    const c = loadConfig({ HOST: '0.0.0.0', PORT: '9000', ASSETPORT_DATA_DIR: '/data', DATABASE_URL: 'postgres://u@h:5432/d', ASSETPORT_ADMIN_USER: 'root', ASSETPORT_ADMIN_PASSWORD: 'longenough', LOG_LEVEL: 'debug', ASSETPORT_MAX_UPLOAD: '16MiB' }, '/srv');
    expect(c).toMatchObject({ host: '0.0.0.0', port: 9000, dataDir: '/data', databaseUrl: 'postgres://u@h:5432/d', adminUser: 'root', adminPassword: 'longenough', logLevel: 'debug' });
    expect(c.limits.uploadBytes).toBe(16 * 1024 * 1024);
    expect(loadConfig({ ASSETPORT_PACKAGE_THREADS: '0' }).packageThreads).toBe(0);
    expect(loadConfig({ ASSETPORT_PACKAGE_THREADS: '3' }).packageThreads).toBe(3);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['ASSETPORT_ADMIN_PASSWORD', 'short'],
    ['ASSETPORT_ADMIN_USER', '../x'],
    ['ASSETPORT_MAX_UPLOAD', '12 parsecs'],
    ['ASSETPORT_PACKAGE_THREADS', '-1'],
    ['ASSETPORT_REQUEST_TIMEOUT_SECONDS', 'soon'],
    ['ASSETPORT_MIN_UPLOAD_BYTES_PER_SECOND', 'fast'],
    ['ASSETPORT_UPLOAD_RATE_WINDOW_SECONDS', '0'],
    ['ASSETPORT_PASSWORD_CACHE_SECONDS', '3601'],
    ['ASSETPORT_PASSWORD_CACHE_ENTRIES', '0'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message.startsWith(`${name}: `)).toBe(true);
    if (name === 'ASSETPORT_ADMIN_PASSWORD') expect((err as Error).message).not.toContain(value);
  });
});
