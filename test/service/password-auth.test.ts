/**
 * Password authentication with remembered verifications, against the database: a
 * remembered password is not verified again, failures are never remembered, an unknown
 * user still costs a (dummy) verification, and a lock or a password change written by
 * another process (straight to the database, nothing forgotten here) refuses the old
 * credentials on the next call. Past the failed-login limits an attempt is refused before
 * any verification runs, per address and per user name, counted in the database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as passwords from '../../src/auth/passwords.js';
import { newId32 } from '../../src/core/ids.js';
import { insertUser, setPasswordHash, setUserLocked } from '../../src/store/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** Verifications started, and what each waits for before it runs (nothing unless a test says so). */
const calls = vi.hoisted(() => ({ verify: 0, dummy: 0, gate: Promise.resolve() as Promise<unknown> }));
vi.mock('../../src/auth/passwords.js', async (original) => {
  const real = await original<typeof import('../../src/auth/passwords.js')>();
  // This may be an instance of its own (vi.resetModules below): hashes as cheap as test/setup.ts makes them.
  real.setPasswordHashCost(real.MIN_PASSWORD_HASH_COST);
  return {
    ...real,
    verifyPassword: async (plain: string, encoded: string) => (calls.verify++, await calls.gate, real.verifyPassword(plain, encoded)),
    verifyPasswordDummy: async (plain: string) => (calls.dummy++, real.verifyPasswordDummy(plain)),
  };
});

const DAN = { name: 'dan', password: 'dan-password-1' };

// Imported afresh, so that it sees the mock above even when another test file of the same
// worker loaded it before (test files share their modules: vitest.config.ts).
vi.resetModules();
const { authenticatePassword, configurePasswordCache, forgetPasswordsOf } = await import('../../src/service/password-auth.js');
const { configureRateLimits } = await import('../../src/service/login-limits.js');
const { PasswordCache } = await import('../../src/auth/password-cache.js');
// The same module instance the service throws its errors from.
const { isDomainError } = await import('../../src/core/errors.js');

describe('authenticatePassword', () => {
  let t: TestDatabase;
  let danId: string;
  const auth = (password = DAN.password, name = DAN.name) => authenticatePassword(t.database.db, name, password, { address: '127.0.0.1' });

  beforeAll(async () => {
    t = await createTestDatabase();
    danId = newId32();
    await insertUser(t.database.db, { id: danId, name: DAN.name, password_hash: await passwords.hashPassword(DAN.password) });
  });
  afterAll(() => t.drop());
  beforeEach(() => {
    configurePasswordCache(t.database.db, { ttlMs: 60_000, maxEntries: 100 });
    calls.verify = 0;
    calls.dummy = 0;
  });

  it('verifies a password once, then remembers it', async () => {
    expect(await auth()).toEqual({ userId: danId, name: 'dan', isAdmin: false });
    expect(await auth()).toEqual({ userId: danId, name: 'dan', isAdmin: false });
    expect(await auth()).not.toBeNull();
    expect(calls.verify).toBe(1);
  });

  it('never remembers a failure, and verifies (a dummy) for an unknown user', async () => {
    expect(await auth('wrong-password')).toBeNull();
    expect(await auth('wrong-password')).toBeNull();
    expect(calls.verify).toBe(2);
    expect(await auth(DAN.password, 'nobody')).toBeNull();
    expect(calls.dummy).toBe(1);
  });

  it('shares one verification among concurrent identical calls', async () => {
    // The verification is held until all five calls have come to it (each reads the user
    // and its failure counts first), so none finds it already done and remembered.
    const reached = vi.spyOn(PasswordCache.prototype, 'verifyOnce');
    let release = (): void => undefined;
    calls.gate = new Promise<void>((r) => (release = r));
    try {
      const all = Promise.all(Array.from({ length: 5 }, () => auth()));
      await vi.waitFor(() => expect(reached).toHaveBeenCalledTimes(5), { timeout: 120_000, interval: 20 });
      release();
      expect((await all).every((p) => p?.userId === danId)).toBe(true);
      expect(calls.verify).toBe(1);
    } finally {
      release();
      calls.gate = Promise.resolve();
      reached.mockRestore();
    }
  });

  it('refuses a remembered password once the user is locked elsewhere, and accepts it after unlock', async () => {
    expect(await auth()).not.toBeNull();
    await setUserLocked(t.database.db, danId, true);
    expect(await auth()).toBeNull();
    expect(calls.verify).toBe(1);
    await setUserLocked(t.database.db, danId, false);
    expect(await auth()).not.toBeNull();
    expect(calls.verify).toBe(1);
  });

  it('refuses a remembered password once it is changed elsewhere', async () => {
    expect(await auth()).not.toBeNull();
    await setPasswordHash(t.database.db, danId, await passwords.hashPassword('dan-password-2'));
    expect(await auth()).toBeNull();
    expect(await auth('dan-password-2')).not.toBeNull();
    expect(calls.verify).toBe(3);
    await setPasswordHash(t.database.db, danId, await passwords.hashPassword(DAN.password));
  });

  it('verifies again after the user is forgotten, and every time with a TTL of 0', async () => {
    expect(await auth()).not.toBeNull();
    forgetPasswordsOf(t.database.db, danId);
    expect(await auth()).not.toBeNull();
    expect(calls.verify).toBe(2);
    configurePasswordCache(t.database.db, { ttlMs: 0, maxEntries: 100 });
    expect(await auth()).not.toBeNull();
    expect(await auth()).not.toBeNull();
    expect(calls.verify).toBe(4);
  });
});

describe('failed-login limits', () => {
  let t: TestDatabase;
  const EVE = { name: 'eve', password: 'eve-password-1' };
  const auth = (address: string, password = EVE.password, name = EVE.name) => authenticatePassword(t.database.db, name, password, { address });
  /** The error code an attempt ends with ('ok' or 'refused' when it does not throw). */
  const outcome = async (p: Promise<unknown>): Promise<string> => {
    try {
      return (await p) ? 'ok' : 'refused';
    } catch (e) {
      if (isDomainError(e)) return e.code;
      throw e;
    }
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await insertUser(t.database.db, { id: newId32(), name: EVE.name, password_hash: await passwords.hashPassword(EVE.password) });
    configurePasswordCache(t.database.db, { ttlMs: 0, maxEntries: 100 });
    configureRateLimits(t.database.db, { loginFailuresPerAddress: 3, loginFailuresPerUser: 5, loginFailureWindowSeconds: 600, uploadsPerMinute: 0, eventStreamsPerUser: 0 });
  });
  afterAll(() => t.drop());
  beforeEach(() => {
    calls.verify = 0;
    calls.dummy = 0;
  });

  it('refuses an address past its limit before verifying anything, even with the right password', async () => {
    for (let i = 0; i < 3; i++) expect(await outcome(auth('192.0.2.1', 'wrong'))).toBe('refused');
    expect(calls.verify).toBe(3);
    expect(await outcome(auth('192.0.2.1'))).toBe('too_many_requests');
    expect(await outcome(auth('192.0.2.1', 'x', 'nobody'))).toBe('too_many_requests');
    expect(calls.verify).toBe(3);
    expect(calls.dummy).toBe(0);
    // Another address is not held back by this one.
    expect(await outcome(auth('192.0.2.2'))).toBe('ok');
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped address as IPv4', async () => {
    for (const a of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::7', '2001:0db8:0001:0002:0:0:0:9']) expect(await outcome(auth(a, 'wrong', 'nobody'))).toBe('refused');
    expect(await outcome(auth('2001:db8:1:2::abcd'))).toBe('too_many_requests');
    expect(await outcome(auth('2001:db8:1:3::1'))).toBe('ok');
    expect(await outcome(auth('::ffff:192.0.2.1'))).toBe('too_many_requests');
  });

  it('refuses a user name past its limit from any address (the password is not verified), and an unknown name too', async () => {
    // eve has 3 failures so far; two more from fresh addresses reach the per-user limit of 5.
    expect(await outcome(auth('198.51.100.1', 'wrong'))).toBe('refused');
    expect(await outcome(auth('198.51.100.2', 'wrong'))).toBe('refused');
    const before = calls.verify;
    expect(await outcome(auth('198.51.100.3'))).toBe('too_many_requests');
    expect(calls.verify).toBe(before);
    for (let i = 0; i < 5; i++) await outcome(auth(`203.0.113.${i}`, 'x', 'ghost'));
    expect(await outcome(auth('203.0.113.99', 'x', 'Ghost'))).toBe('too_many_requests');
  });

  it('says when to come back', async () => {
    try {
      await auth('192.0.2.1');
      expect.unreachable();
    } catch (e) {
      const wait = isDomainError(e) ? (e.details?.retry_after_seconds as number) : 0;
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(600);
      expect(String(e)).not.toContain(EVE.password);
    }
  });

  it('with both limits at 0 nothing is refused', async () => {
    configureRateLimits(t.database.db, { loginFailuresPerAddress: 0, loginFailuresPerUser: 0, loginFailureWindowSeconds: 600, uploadsPerMinute: 0, eventStreamsPerUser: 0 });
    expect(await outcome(auth('192.0.2.1'))).toBe('ok');
  });
});
