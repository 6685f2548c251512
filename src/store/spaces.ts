import type { Kysely, Selectable, Transaction } from 'kysely';
import { lockSpace } from './asset-batch.js';
import type { ApisTable, DB, Perms, SpaceKind, SpacesTable } from './schema.js';

export type ApiRow = Selectable<ApisTable>;
export type SpaceRow = Selectable<SpacesTable>;
/** A space with what addresses it: org name, API name. */
export interface SpaceView extends SpaceRow { org_name: string; api_name: string | null }

export const insertApi = (db: Kysely<DB>, a: { id: string; org_id: string; name: string }): Promise<ApiRow> =>
  db.insertInto('apis').values(a).returningAll().executeTakeFirstOrThrow();

export const findApi = (db: Kysely<DB>, orgId: string, name: string): Promise<ApiRow | undefined> =>
  db.selectFrom('apis').selectAll().where('org_id', '=', orgId).where('name', '=', name).executeTakeFirst();

export const insertSpace = (
  db: Kysely<DB>,
  s: { id: string; org_id: string; kind: SpaceKind; name: string; api_id?: string | null; project_space?: string | null; published?: boolean },
): Promise<SpaceRow> => db.insertInto('spaces').values(s).returningAll().executeTakeFirstOrThrow();

const viewQuery = (db: Kysely<DB>) =>
  db
    .selectFrom('spaces')
    .innerJoin('orgs', 'orgs.id', 'spaces.org_id')
    .leftJoin('apis', 'apis.id', 'spaces.api_id')
    .selectAll('spaces')
    .select(['orgs.name as org_name', 'apis.name as api_name']);

export const getSpace = (db: Kysely<DB>, id: string): Promise<SpaceView | undefined> => viewQuery(db).where('spaces.id', '=', id).executeTakeFirst();

/** What a user holds on a space: their role in its org, their grant on it, their grant on its API. */
export interface SpaceHoldings {
  role: 'admin' | 'member' | null;
  grant: Perms | null;
  apiGrant: Perms | null;
}

/** A space with what the user holds on it, in one statement. */
export async function getSpaceWithHoldings(db: Kysely<DB>, id: string, userId: string): Promise<{ space: SpaceView; holdings: SpaceHoldings } | undefined> {
  const r = await viewQuery(db)
    .leftJoin('org_roles', (j) => j.onRef('org_roles.org_id', '=', 'spaces.org_id').on('org_roles.user_id', '=', userId))
    .leftJoin('grants', (j) => j.onRef('grants.space_id', '=', 'spaces.id').on('grants.user_id', '=', userId))
    .leftJoin('api_grants', (j) => j.onRef('api_grants.api_id', '=', 'spaces.api_id').on('api_grants.user_id', '=', userId))
    .select(['org_roles.role as holder_role', 'grants.perms as holder_grant', 'api_grants.perms as holder_api_grant'])
    .where('spaces.id', '=', id)
    .executeTakeFirst();
  if (!r) return undefined;
  const { holder_role, holder_grant, holder_api_grant, ...space } = r;
  return { space, holdings: { role: holder_role, grant: holder_grant, apiGrant: holder_api_grant } };
}

export const findInstance = (db: Kysely<DB>, orgId: string, name: string): Promise<SpaceView | undefined> =>
  viewQuery(db).where('spaces.org_id', '=', orgId).where('spaces.kind', '=', 'instance').where('spaces.name', '=', name).executeTakeFirst();

export const findVersion = (db: Kysely<DB>, apiId: string, name: string): Promise<SpaceView | undefined> =>
  viewQuery(db).where('spaces.api_id', '=', apiId).where('spaces.kind', '=', 'api_version').where('spaces.name', '=', name).executeTakeFirst();

export const listVersions = (db: Kysely<DB>, apiId: string): Promise<SpaceView[]> =>
  viewQuery(db).where('spaces.api_id', '=', apiId).where('spaces.kind', '=', 'api_version').orderBy('spaces.name').execute();

export const findProject = (db: Kysely<DB>, orgId: string, projectSpace: string, name: string): Promise<SpaceView | undefined> =>
  viewQuery(db)
    .where('spaces.org_id', '=', orgId)
    .where('spaces.kind', '=', 'project')
    .where('spaces.project_space', '=', projectSpace)
    .where('spaces.name', '=', name)
    .executeTakeFirst();

export interface SpaceFilter {
  orgId?: string;
  kind?: SpaceKind;
  /** Restrict to spaces this (non-admin) user may read: org role, or a grant (on the space, or on its API). */
  visibleTo?: string;
}

export function listSpaces(db: Kysely<DB>, f: SpaceFilter = {}): Promise<SpaceView[]> {
  let q = viewQuery(db);
  if (f.orgId) q = q.where('spaces.org_id', '=', f.orgId);
  if (f.kind) q = q.where('spaces.kind', '=', f.kind);
  if (f.visibleTo !== undefined) {
    const uid = f.visibleTo;
    q = q.where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('org_roles').select('org_roles.org_id').whereRef('org_roles.org_id', '=', 'spaces.org_id').where('org_roles.user_id', '=', uid).where('org_roles.role', '=', 'admin')),
        eb.exists(eb.selectFrom('grants').select('grants.space_id').whereRef('grants.space_id', '=', 'spaces.id').where('grants.user_id', '=', uid)),
        eb.exists(eb.selectFrom('api_grants').select('api_grants.api_id').whereRef('api_grants.api_id', '=', 'spaces.api_id').where('api_grants.user_id', '=', uid)),
      ]),
    );
  }
  return q.orderBy('orgs.name').orderBy('spaces.kind').orderBy('apis.name').orderBy('spaces.project_space').orderBy('spaces.name').execute();
}

/**
 * Deletes the space if it holds no assets and no job is queued or running on it, under
 * the space's write lock (the one imports hold), so an import can't fill it meanwhile.
 * Returns what stood in the way, if anything.
 */
export async function deleteEmptySpace(trx: Transaction<DB>, id: string): Promise<{ assets: number; activeJob: string | null; contents: string[] }> {
  await lockSpace(trx, id);
  const count = await trx.selectFrom('assets').select((eb) => eb.fn.countAll<string>().as('n')).where('space_id', '=', id).executeTakeFirstOrThrow();
  if (Number(count.n) > 0) return { assets: Number(count.n), activeJob: null, contents: [] };
  const active = await trx.selectFrom('jobs').select('id').where('space_id', '=', id).where('state', 'in', ['QUEUED', 'RUNNING']).limit(1).executeTakeFirst();
  if (active) return { assets: 0, activeJob: active.id, contents: [] };
  // The large file contents its history refers to: the caller removes those nothing else needs.
  const contents = await trx.selectFrom('asset_revisions').select('content_blob').distinct().where('space_id', '=', id).where('content_blob', 'is not', null).execute();
  await trx.deleteFrom('spaces').where('id', '=', id).execute();
  return { assets: 0, activeJob: null, contents: contents.map((r) => r.content_blob!) };
}
