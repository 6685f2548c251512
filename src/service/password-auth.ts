/**
 * Who a user name and password belong to — what Basic authentication and token issuing
 * ask — with the verified passwords of the last moments remembered (../auth/password-cache.ts)
 * so a client sending Basic on every call costs one indexed read of its user per call,
 * not one scrypt verification.
 *
 * The user row is read on every call, hit or miss: a hit counts only while the user is the
 * one the password was verified for, still has the hash it was verified against, and is not
 * locked. So a lock or a password change made by any process sharing the database refuses
 * the old credentials on the very next call; the TTL only bounds how long a verified
 * password is remembered. A miss (unknown user included) verifies with scrypt as before —
 * unless the caller's address or the user name has too many recent failures
 * (./login-limits.ts): then it is refused before scrypt runs.
 */
import type { Kysely } from 'kysely';
import { PasswordCache } from '../auth/password-cache.js';
import { verifyPassword, verifyPasswordDummy } from '../auth/passwords.js';
import type { Principal } from '../auth/principal.js';
import type { DB } from '../store/schema.js';
import { findUserByName, type UserRow } from '../store/users.js';
import { notePasswordFailure, refuseBlockedPasswordLogin, type Caller } from './login-limits.js';

/** The defaults of ASSETPORT_PASSWORD_CACHE_SECONDS and ASSETPORT_PASSWORD_CACHE_ENTRIES. */
const DEFAULTS = { ttlMs: 60_000, maxEntries: 10_000 };

/** One cache per database handle (in a server: one per process). */
const caches = new WeakMap<Kysely<DB>, PasswordCache>();

function cacheOf(db: Kysely<DB>): PasswordCache {
  let c = caches.get(db);
  if (!c) {
    c = new PasswordCache(DEFAULTS);
    caches.set(db, c);
  }
  return c;
}

/** Sets up the cache of one database handle (its TTL and size), emptying it. */
export function configurePasswordCache(db: Kysely<DB>, opts: { ttlMs: number; maxEntries: number }): void {
  caches.set(db, new PasswordCache(opts));
}

/** Forgets the remembered passwords of a user (after a password change or a lock). */
export function forgetPasswordsOf(db: Kysely<DB>, userId: string): void {
  caches.get(db)?.forgetUser(userId);
}

export const principalOf = (u: UserRow): Principal => ({ userId: u.id, name: u.name, isAdmin: u.is_admin });

/** A user by name and password; locked users and wrong passwords are the same refusal; too many failures, too_many_requests. */
export async function authenticatePassword(db: Kysely<DB>, name: string, password: string, from: Caller): Promise<Principal | null> {
  const u = await findUserByName(db, name);
  const cache = cacheOf(db);
  const seen = u ? cache.get(name, password) : undefined;
  if (u && seen && seen.userId === u.id && seen.passwordHash === u.password_hash) return u.locked ? null : principalOf(u);
  await refuseBlockedPasswordLogin(db, name, from);
  if (!u) {
    await verifyPasswordDummy(password);
    await notePasswordFailure(db, name, from);
    return null;
  }
  const ok = await cache.verifyOnce(name, password, u.password_hash, () => verifyPassword(password, u.password_hash));
  if (!ok) await notePasswordFailure(db, name, from);
  if (!ok || u.locked) return null;
  cache.remember(name, password, { userId: u.id, passwordHash: u.password_hash });
  return principalOf(u);
}
