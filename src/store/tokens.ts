import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export const insertToken = (db: Kysely<DB>, t: { token_hash: string; user_id: string; expires_at: Date }): Promise<unknown> =>
  db.insertInto('tokens').values(t).execute();

/** The user id of a live token, or undefined. */
export async function userIdOfToken(db: Kysely<DB>, tokenHash: string, now: Date): Promise<string | undefined> {
  const r = await db.selectFrom('tokens').select('user_id').where('token_hash', '=', tokenHash).where('expires_at', '>', now).executeTakeFirst();
  return r?.user_id;
}

export const deleteExpiredTokens = (db: Kysely<DB>, now: Date): Promise<unknown> => db.deleteFrom('tokens').where('expires_at', '<=', now).execute();

export const insertAccessKey = (db: Kysely<DB>, k: { access_key: string; user_id: string; secret_enc: string }): Promise<unknown> =>
  db.insertInto('access_keys').values(k).execute();

export const findAccessKey = (db: Kysely<DB>, accessKey: string): Promise<{ user_id: string; secret_enc: string } | undefined> =>
  db.selectFrom('access_keys').select(['user_id', 'secret_enc']).where('access_key', '=', accessKey).executeTakeFirst();
