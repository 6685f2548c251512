import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export const insertToken = (db: Kysely<DB>, t: { token_hash: string; user_id: string; expires_at: Date; org_id?: string | null }): Promise<unknown> =>
  db.insertInto('tokens').values({ ...t, org_id: t.org_id ?? null }).execute();

/** A live token's user (its name, whether it is an admin or locked) and the org the token is scoped to, in one query. */
export async function tokenUser(db: Kysely<DB>, tokenHash: string, now: Date): Promise<{ user_id: string; org_id: string | null; name: string; is_admin: boolean; locked: boolean } | undefined> {
  return db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.user_id', 'tokens.org_id', 'users.name', 'users.is_admin', 'users.locked'])
    .where('tokens.token_hash', '=', tokenHash)
    .where('tokens.expires_at', '>', now)
    .executeTakeFirst();
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
