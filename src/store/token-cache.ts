/**
 * On the embedded database, the holders of Bearer tokens are remembered in the process, so
 * that a request authenticated with a token it used before does not wait for the one
 * connection at all (behind an import's bulk statements, say). It stays exact: the embedded
 * database belongs to this process alone and every statement goes through its pool, which
 * tells the cache of each one before sending it (pglite-pool.ts). A statement that may
 * change a token, a user or an org (a scoped token goes with its org) forgets everything
 * remembered, and an answer read while such a statement was sent is not kept. A token's
 * expiry is checked at each use. On PostgreSQL (other processes share the database) there
 * is no cache.
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/**
 * The tables whose rows decide a token's holder: tokens, and what deleting or changing
 * cascades into them (src/store/token-cache.test.ts checks this against the schema).
 */
export const CREDENTIAL_TABLES = ['tokens', 'users', 'orgs'] as const;

const MENTIONS = new RegExp(`\\b(?:${CREDENTIAL_TABLES.join('|')})\\b`, 'i');
const STARTS_AS_READ = /^\s*select\b/i;
const WRITES = /\b(?:insert|update|delete|truncate|merge|copy|alter|drop)\b/i;

/** Whether a statement may change a token's holder; undefined: a script, whatever it does. */
export const mayChangeCredentials = (text: string | undefined): boolean => text === undefined || (MENTIONS.test(text) && !(STARTS_AS_READ.test(text) && !WRITES.test(text)));

export interface TokenHolder { user_id: string; org_id: string | null; name: string; is_admin: boolean; locked: boolean; expires_at: Date }

export class TokenHolderCache {
  private generation = 0;
  private readonly entries = new Map<string, TokenHolder>();

  constructor(private readonly max = 1000) {}

  /** Told of every statement before it is sent. */
  noteStatement(text: string | undefined): void {
    if (!mayChangeCredentials(text)) return;
    this.generation++;
    this.entries.clear();
  }

  /** The live token's holder: remembered, or loaded (and remembered unless a change was sent meanwhile). */
  async holder(tokenHash: string, now: Date, load: () => Promise<TokenHolder | undefined>): Promise<TokenHolder | undefined> {
    const seen = this.entries.get(tokenHash);
    if (seen) return seen.expires_at > now ? seen : undefined;
    const generation = this.generation;
    const h = await load();
    if (h && generation === this.generation) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(tokenHash, h);
    }
    return h;
  }
}

const caches = new WeakMap<object, TokenHolderCache>();

/** Set by openDatabase for the embedded database's handle. */
export function useTokenCacheFor(db: Kysely<DB>, cache: TokenHolderCache): void {
  caches.set(db, cache);
}

export const tokenCacheOf = (db: Kysely<DB>): TokenHolderCache | undefined => caches.get(db);
