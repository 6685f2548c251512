/**
 * Password authentication with remembered verifications, against the database: a
 * remembered password is not verified again, failures are never remembered, an unknown
 * user still costs a (dummy) verification, and a lock or a password change written by
 * another process (straight to the database, nothing forgotten here) refuses the old
 * credentials on the next call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as passwords from '../../src/auth/passwords.js';
import { newId32 } from '../../src/core/ids.js';
import { insertUser, setPasswordHash, setUserLocked } from '../../src/store/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const calls = vi.hoisted(() => ({ verify: 0, dummy: 0 }));
vi.mock('../../src/auth/passwords.js', async (original) => {
  const real = await original<typeof import('../../src/auth/passwords.js')>();
  return {
    ...real,
    verifyPassword: async (plain: string, encoded: string) => (calls.verify++, real.verifyPassword(plain, encoded)),
    verifyPasswordDummy: async (plain: string) => (calls.dummy++, real.verifyPasswordDummy(plain)),
  };
});

const DAN = { name: 'dan', password: 'dan-password-1' };

// Imported afresh, so that it sees the mock above even when another test file of the same
// worker loaded it before (test files share their modules: vitest.config.ts).
vi.resetModules();
const { authenticatePassword, configurePasswordCache, forgetPasswordsOf } = await import('../../src/service/password-auth.js');

describe('authenticatePassword', () => {
  let t: TestDatabase;
  let danId: string;
  const auth = (password = DAN.password, name = DAN.name) => authenticatePassword(t.database.db, name, password);

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
    const all = await Promise.all(Array.from({ length: 5 }, () => auth()));
    expect(all.every((p) => p?.userId === danId)).toBe(true);
    expect(calls.verify).toBe(1);
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
