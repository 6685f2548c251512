/**
 * Limits on failed logins and on uploads, counted in the database (../store/rate-counters.ts)
 * so every process sharing it enforces the same numbers.
 *
 * Failed logins, in one fixed window (`windowSeconds`):
 * - Passwords (Basic, POST /api/v1/tokens, POST /v3/auth/tokens): failures are counted per
 *   client address and per user name. Once either count reaches its limit, further password
 *   attempts from that address or for that user are refused with `too_many_requests` BEFORE
 *   the password is verified, so a flood of guesses costs an indexed read each, not an scrypt
 *   verification. A password verified moments ago (the password cache) is still accepted:
 *   only a caller who already knows it can hit the cache.
 * - Tokens (Bearer, X-Auth-Token) and AK/SK signatures: checking one is cheap, so valid ones
 *   are always accepted; failures are counted per address (and per access key), and once a
 *   count passes its limit the failures are answered `too_many_requests` instead of 401.
 *
 * Lockout: an attacker can trip the per-user count of a user name from many addresses, and
 * then that user's password logins are refused until the window ends. That is why the
 * per-user limit is well above the per-address one, why tokens, access keys and recently
 * verified passwords keep working for the user meanwhile, and why it can be turned off
 * (`ASSETPORT_LOGIN_FAILURES_PER_USER=0`). A correct login from another address is never
 * refused because of an address's failures.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import { DEFAULT_RATE_LIMITS, type Config } from '../config/config.js';
import { DomainError } from '../core/errors.js';
import { bumpCounter, currentCounts, deleteStaleCounters, type WindowCount } from '../store/rate-counters.js';
import type { DB } from '../store/schema.js';
import type { ServiceContext } from './context.js';

/** Where a request comes from (its client address, after any trusted proxies). */
export interface Caller {
  address: string;
}

type RateLimits = Config['rateLimits'];

const settings = new WeakMap<Kysely<DB>, RateLimits>();
const limitsOf = (db: Kysely<DB>): RateLimits => settings.get(db) ?? DEFAULT_RATE_LIMITS;

/** Sets the limits enforced through one database handle (in a server: one per process). */
export function configureRateLimits(db: Kysely<DB>, limits: RateLimits): void {
  settings.set(db, limits);
}

/**
 * The counting unit of an address: an IPv4 address as is; an IPv6 address by its /64
 * network (one host usually holds a whole /64); an IPv4-mapped IPv6 address as IPv4.
 */
function addressKey(address: string): string {
  const a = address.trim().toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (isIP(a) !== 6) return a;
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const digest = (s: string): string => createHash('sha256').update(s.normalize('NFC').toLowerCase()).digest('hex').slice(0, 32);
const passwordKeys = (name: string, from: Caller) => ({ address: `pw-addr:${addressKey(from.address)}`, user: `pw-user:${digest(name)}` });

function tooMany(what: string, c: WindowCount, windowSeconds: number, now: Date): DomainError {
  const retryAfter = Math.max(1, Math.ceil((c.windowStart.getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
  return new DomainError('too_many_requests', `${what} Try again in ${retryAfter} s.`, { retry_after_seconds: retryAfter });
}

/** Refuses (too_many_requests) a password attempt from an address, or for a user name, with too many failures; call before verifying. */
export async function refuseBlockedPasswordLogin(db: Kysely<DB>, name: string, from: Caller): Promise<void> {
  const l = limitsOf(db);
  if (l.loginFailuresPerAddress === 0 && l.loginFailuresPerUser === 0) return;
  const now = new Date();
  const keys = passwordKeys(name, from);
  const counts = await currentCounts(db, [keys.address, keys.user], l.loginFailureWindowSeconds, now);
  const byAddress = counts.get(keys.address);
  if (l.loginFailuresPerAddress > 0 && byAddress && byAddress.count >= l.loginFailuresPerAddress) {
    throw tooMany('Too many failed logins from this address.', byAddress, l.loginFailureWindowSeconds, now);
  }
  const byUser = counts.get(keys.user);
  if (l.loginFailuresPerUser > 0 && byUser && byUser.count >= l.loginFailuresPerUser) {
    throw tooMany('Too many failed logins for this user.', byUser, l.loginFailureWindowSeconds, now);
  }
}

/** Old counters are removed now and then, by whichever process counts a failure. */
let failuresSinceCleanup = 0;
async function cleanupNowAndThen(db: Kysely<DB>, l: RateLimits, now: Date): Promise<void> {
  if (++failuresSinceCleanup < 200) return;
  failuresSinceCleanup = 0;
  await deleteStaleCounters(db, new Date(now.getTime() - Math.max(l.loginFailureWindowSeconds, 60) * 2000));
}

/** Counts a wrong password for a user name from an address. */
export async function notePasswordFailure(db: Kysely<DB>, name: string, from: Caller): Promise<void> {
  const l = limitsOf(db);
  const now = new Date();
  const keys = passwordKeys(name, from);
  if (l.loginFailuresPerAddress > 0) await bumpCounter(db, keys.address, l.loginFailureWindowSeconds, now);
  if (l.loginFailuresPerUser > 0) await bumpCounter(db, keys.user, l.loginFailureWindowSeconds, now);
  await cleanupNowAndThen(db, l, now);
}

/**
 * Counts an unknown token or a bad AK/SK signature from an address (and for an access key
 * that exists); throws too_many_requests once a count has passed its limit.
 */
export async function noteCredentialFailure(db: Kysely<DB>, from: Caller, accessKey?: string): Promise<void> {
  const l = limitsOf(db);
  const now = new Date();
  // Both counts are taken before either refuses, so each failure counts for both.
  const byAddress = l.loginFailuresPerAddress > 0 ? await bumpCounter(db, `key-addr:${addressKey(from.address)}`, l.loginFailureWindowSeconds, now) : undefined;
  const byKey = accessKey !== undefined && l.loginFailuresPerUser > 0 ? await bumpCounter(db, `key-ak:${digest(accessKey)}`, l.loginFailureWindowSeconds, now) : undefined;
  await cleanupNowAndThen(db, l, now);
  if (byAddress && byAddress.count > l.loginFailuresPerAddress) throw tooMany('Too many failed authentications from this address.', byAddress, l.loginFailureWindowSeconds, now);
  if (byKey && byKey.count > l.loginFailuresPerUser) throw tooMany('Too many failed signatures with this access key.', byKey, l.loginFailureWindowSeconds, now);
}

/** Counts an upload by the caller; refuses it (too_many_requests) past the per-minute limit. Call before reading the upload. */
export async function countUpload(ctx: ServiceContext): Promise<void> {
  const { uploadsPerMinute } = ctx.config.rateLimits;
  if (uploadsPerMinute === 0) return;
  const now = new Date();
  const c = await bumpCounter(ctx.db, `upload:${ctx.principal.userId}`, 60, now);
  if (c.count > uploadsPerMinute) throw tooMany(`More than ${uploadsPerMinute} uploads in a minute.`, c, 60, now);
}
