import type { Kysely } from 'kysely';
import type { DB } from './schema.js';
import { isId32 } from '../core/ids.js';

export interface OrgRow { id: string; name: string; created_at: Date }

export const insertOrg = (db: Kysely<DB>, org: { id: string; name: string }): Promise<OrgRow> =>
  db.insertInto('orgs').values(org).returningAll().executeTakeFirstOrThrow();

/** By 32-hex id or by name. The name rule allows a 32-hex name, so an id is tried first and wins. */
export async function findOrg(db: Kysely<DB>, idOrName: string): Promise<OrgRow | undefined> {
  const byId = isId32(idOrName)
    ? await db.selectFrom('orgs').selectAll().where('id', '=', idOrName).executeTakeFirst()
    : undefined;
  return byId ?? db.selectFrom('orgs').selectAll().where('name', '=', idOrName).executeTakeFirst();
}

/** All orgs, or those where the user holds a role or a grant on a space. */
export function listOrgs(db: Kysely<DB>, visibleTo?: string): Promise<OrgRow[]> {
  let q = db.selectFrom('orgs').selectAll().orderBy('name');
  if (visibleTo !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('org_roles').select('org_roles.org_id').whereRef('org_roles.org_id', '=', 'orgs.id').where('org_roles.user_id', '=', visibleTo)),
        eb.exists(
          eb.selectFrom('grants').innerJoin('spaces', 'spaces.id', 'grants.space_id').select('grants.space_id').whereRef('spaces.org_id', '=', 'orgs.id').where('grants.user_id', '=', visibleTo),
        ),
      ]),
    );
  }
  return q.execute();
}
