/** Grants on an API: permissions every version of the API inherits. */
import type { Kysely } from 'kysely';
import type { DB, Perms } from './schema.js';

export const setApiGrant = (db: Kysely<DB>, apiId: string, userId: string, perms: Perms): Promise<unknown> =>
  db.insertInto('api_grants').values({ api_id: apiId, user_id: userId, perms }).onConflict((oc) => oc.columns(['api_id', 'user_id']).doUpdateSet({ perms })).execute();

export async function apiGrantOf(db: Kysely<DB>, apiId: string, userId: string): Promise<Perms | undefined> {
  const r = await db.selectFrom('api_grants').select('perms').where('api_id', '=', apiId).where('user_id', '=', userId).executeTakeFirst();
  return r?.perms;
}
