import type { Kysely } from 'kysely';
import type { DB, Perms } from './schema.js';

export interface UserRow { id: string; name: string; password_hash: string; is_admin: boolean; locked: boolean; created_at: Date }

export const insertUser = (db: Kysely<DB>, u: { id: string; name: string; password_hash: string; is_admin?: boolean }): Promise<UserRow> =>
  db.insertInto('users').values(u).returningAll().executeTakeFirstOrThrow();

/** Inserts the user unless one with that name exists; returns whether it was inserted. */
export async function insertUserIfAbsent(db: Kysely<DB>, u: { id: string; name: string; password_hash: string; is_admin?: boolean }): Promise<boolean> {
  const r = await db.insertInto('users').values(u).onConflict((oc) => oc.column('name').doNothing()).returning('id').executeTakeFirst();
  return r !== undefined;
}

export const setPasswordHash = (db: Kysely<DB>, userId: string, passwordHash: string): Promise<unknown> =>
  db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();

export const findUserByName = (db: Kysely<DB>, name: string): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();

export const findUserById = (db: Kysely<DB>, id: string): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const setOrgRole = (db: Kysely<DB>, orgId: string, userId: string, role: 'admin' | 'member'): Promise<unknown> =>
  db.insertInto('org_roles').values({ org_id: orgId, user_id: userId, role }).onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role })).execute();

export async function orgRolesOf(db: Kysely<DB>, userId: string): Promise<Map<string, 'admin' | 'member'>> {
  const rows = await db.selectFrom('org_roles').select(['org_id', 'role']).where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.org_id, r.role]));
}

export const setGrant = (db: Kysely<DB>, spaceId: string, userId: string, perms: Perms): Promise<unknown> =>
  db.insertInto('grants').values({ space_id: spaceId, user_id: userId, perms }).onConflict((oc) => oc.columns(['space_id', 'user_id']).doUpdateSet({ perms })).execute();

export async function grantOf(db: Kysely<DB>, spaceId: string, userId: string): Promise<Perms | undefined> {
  const r = await db.selectFrom('grants').select('perms').where('space_id', '=', spaceId).where('user_id', '=', userId).executeTakeFirst();
  return r?.perms;
}

export const setUserLocked = (db: Kysely<DB>, userId: string, locked: boolean): Promise<unknown> =>
  db.updateTable('users').set({ locked }).where('id', '=', userId).execute();
