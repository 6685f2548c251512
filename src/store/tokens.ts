import type { Kysely } from 'kysely';
import type { DB } from './schema.js';
import { tokenCacheOf, type TokenHolder } from './token-cache.js';

export type { TokenHolder };

export const insertToken = (db: Kysely<DB>, t: { token_hash: string; user_id: string; expires_at: Date; org_id?: string | null }): Promise<unknown> =>
  db.insertInto('tokens').values({ ...t, org_id: t.org_id ?? null }).execute();

/**
 * A live token's user and the org it is scoped to (null: not scoped), or undefined; one
 * query (a token goes with its user: deleting a user deletes its tokens), none when the
 * embedded database's cache knows it (token-cache.ts).
 */
export async function tokenHolder(db: Kysely<DB>, tokenHash: string, now: Date): Promise<TokenHolder | undefined> {
  const load = () =>
    db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.user_id', 'tokens.org_id', 'users.name', 'users.is_admin', 'users.locked', 'tokens.expires_at'])
      .where('tokens.token_hash', '=', tokenHash)
      .where('tokens.expires_at', '>', now)
      .executeTakeFirst();
  const cache = tokenCacheOf(db);
  return cache ? cache.holder(tokenHash, now, load) : load();
}

export const deleteExpiredTokens = (db: Kysely<DB>, now: Date): Promise<unknown> => db.deleteFrom('tokens').where('expires_at', '<=', now).execute();

/** Revokes every token of a user; returns how many there were. */
export async function deleteTokensOfUser(db: Kysely<DB>, userId: string): Promise<number> {
  const r = await db.deleteFrom('tokens').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Revokes one token (by its hash); returns whether there was one. */
export async function deleteToken(db: Kysely<DB>, tokenHash: string): Promise<boolean> {
  const r = await db.deleteFrom('tokens').where('token_hash', '=', tokenHash).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
