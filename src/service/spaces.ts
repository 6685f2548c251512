/** Instances, APIs and their versions, projects: the containers assets live in. */
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import { checkApiName, checkInstanceName, checkProjectName, checkProjectSpaceName, checkVersionName } from '../core/names.js';
import { recordAudit } from '../store/audit.js';
import { deleteUnreferencedContents } from '../store/content-blobs.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import { setApiGrant } from '../store/api-grants.js';
import { findUserByName, orgRolesOf, setOrgRole } from '../store/users.js';
import type { Perms } from '../store/schema.js';
import { deleteEmptySpace, findApi, findInstance, findProject, findVersion, getSpace, insertApi, insertSpace, listSpaces as listSpaceRows, listVersions, type SpaceView } from '../store/spaces.js';
import type { SpaceKind } from '../store/schema.js';
import { administeredOrg, administersOrg, requireSpaceAccess, spaceNotFound, spaceWithAccess, visibleOrg } from './access.js';
import type { ServiceContext } from './context.js';
import { requireName } from './names-check.js';

export interface SpaceOut {
  space_id: string;
  kind: SpaceKind;
  name: string;
  org: { id: string; name: string };
  api?: string;
  published?: boolean;
  project_space?: string;
  created_at: string;
}

function spaceView(s: SpaceView): SpaceOut {
  return {
    space_id: s.id,
    kind: s.kind,
    name: s.name,
    org: { id: s.org_id, name: s.org_name },
    ...(s.kind === 'api_version' ? { api: s.api_name ?? '', published: s.published } : {}),
    ...(s.kind === 'project' ? { project_space: s.project_space ?? '' } : {}),
    created_at: s.created_at.toISOString(),
  };
}

const instanceView = (s: SpaceView) => ({ id: s.id, ...spaceView(s) });

async function inTransaction<T>(ctx: ServiceContext, what: string, fn: (trx: ServiceContext['db']) => Promise<T>): Promise<T> {
  try {
    return await ctx.db.transaction().execute((trx) => fn(trx));
  } catch (e) {
    if (isUniqueViolation(e)) throw new DomainError('conflict', `${what} already exists.`);
    throw e;
  }
}

export async function createInstance(ctx: ServiceContext, orgRef: string, name: unknown) {
  const org = await administeredOrg(ctx.db, ctx.principal, orgRef);
  requireName(checkInstanceName(name), 'name');
  const n = name as string;
  const id = await inTransaction(ctx, `An instance named '${n}' in org '${org.name}'`, async (trx) => {
    const s = await insertSpace(trx, { id: newId32(), org_id: org.id, kind: 'instance', name: n });
    await recordAudit(trx, { actor: ctx.principal.name, action: 'instance.create', org_id: org.id, space_id: s.id, details: { name: n } });
    return s.id;
  });
  return instanceView((await getSpace(ctx.db, id))!);
}

export async function createApi(ctx: ServiceContext, orgRef: string, name: unknown) {
  const org = await administeredOrg(ctx.db, ctx.principal, orgRef);
  requireName(checkApiName(name), 'name');
  const n = name as string;
  const api = await inTransaction(ctx, `An API named '${n}' in org '${org.name}'`, async (trx) => {
    const a = await insertApi(trx, { id: newId32(), org_id: org.id, name: n });
    await recordAudit(trx, { actor: ctx.principal.name, action: 'api.create', org_id: org.id, details: { name: n } });
    return a;
  });
  return { id: api.id, name: api.name, org: { id: org.id, name: org.name }, versions: [] as SpaceOut[], created_at: api.created_at.toISOString() };
}

async function visibleApi(ctx: ServiceContext, orgRef: string, apiName: string) {
  const org = await visibleOrg(ctx.db, ctx.principal, orgRef);
  const api = await findApi(ctx.db, org.id, apiName);
  if (!api) throw new DomainError('not_found', `API '${apiName}' was not found in org '${org.name}'.`, { resource: 'api' });
  return { org, api };
}

export async function getApi(ctx: ServiceContext, orgRef: string, apiName: string) {
  const { org, api } = await visibleApi(ctx, orgRef, apiName);
  const versions: SpaceOut[] = [];
  for (const v of await listVersions(ctx.db, api.id)) {
    try {
      versions.push(spaceView(await requireSpaceAccess(ctx.db, ctx.principal, v, 'R')));
    } catch {
      // versions the caller can't read are left out
    }
  }
  return { id: api.id, name: api.name, org: { id: org.id, name: org.name }, versions, created_at: api.created_at.toISOString() };
}

export async function createVersion(ctx: ServiceContext, orgRef: string, apiName: string, name: unknown, published = false) {
  const org = await administeredOrg(ctx.db, ctx.principal, orgRef);
  const api = await findApi(ctx.db, org.id, apiName);
  if (!api) throw new DomainError('not_found', `API '${apiName}' was not found in org '${org.name}'.`, { resource: 'api' });
  requireName(checkVersionName(name), 'name');
  const n = name as string;
  const id = await inTransaction(ctx, `Version '${n}' of API '${api.name}'`, async (trx) => {
    const s = await insertSpace(trx, { id: newId32(), org_id: org.id, kind: 'api_version', name: n, api_id: api.id, published });
    await recordAudit(trx, { actor: ctx.principal.name, action: 'version.create', org_id: org.id, space_id: s.id, details: { api: api.name, name: n } });
    return s.id;
  });
  return spaceView((await getSpace(ctx.db, id))!);
}

export async function getVersion(ctx: ServiceContext, orgRef: string, apiName: string, version: string) {
  const { api } = await visibleApi(ctx, orgRef, apiName);
  const v = await findVersion(ctx.db, api.id, version);
  if (!v) throw spaceNotFound(`${apiName}/${version}`);
  return spaceView(await requireSpaceAccess(ctx.db, ctx.principal, v, 'R', `${apiName}/${version}`));
}

export async function createProject(ctx: ServiceContext, orgRef: string, projectSpace: unknown, name: unknown) {
  const org = await administeredOrg(ctx.db, ctx.principal, orgRef);
  requireName(checkProjectSpaceName(projectSpace), 'project_space');
  requireName(checkProjectName(name), 'name');
  const ps = projectSpace as string;
  const n = name as string;
  const id = await inTransaction(ctx, `Project '${ps}/${n}' in org '${org.name}'`, async (trx) => {
    const s = await insertSpace(trx, { id: newId32(), org_id: org.id, kind: 'project', name: n, project_space: ps });
    await recordAudit(trx, { actor: ctx.principal.name, action: 'project.create', org_id: org.id, space_id: s.id, details: { project_space: ps, name: n } });
    return s.id;
  });
  return spaceView((await getSpace(ctx.db, id))!);
}

export async function getProject(ctx: ServiceContext, orgRef: string, projectSpace: string, name: string) {
  const org = await visibleOrg(ctx.db, ctx.principal, orgRef);
  const s = await findProject(ctx.db, org.id, projectSpace, name);
  if (!s) throw spaceNotFound(`${projectSpace}/${name}`);
  return spaceView(await requireSpaceAccess(ctx.db, ctx.principal, s, 'R', `${projectSpace}/${name}`));
}

/** A project of an org the caller administers (SnapLogic's project import and export need the org admin role). */
export async function administeredProject(ctx: ServiceContext, orgRef: string, projectSpace: string, name: string): Promise<SpaceOut> {
  const org = await administeredOrg(ctx.db, ctx.principal, orgRef);
  const s = await findProject(ctx.db, org.id, projectSpace, name);
  if (!s) throw spaceNotFound(`${projectSpace}/${name}`);
  return spaceView(s);
}

export async function getInstance(ctx: ServiceContext, orgRef: string, name: string) {
  const org = await visibleOrg(ctx.db, ctx.principal, orgRef);
  const s = await findInstance(ctx.db, org.id, name);
  if (!s) throw spaceNotFound(name);
  return instanceView(await requireSpaceAccess(ctx.db, ctx.principal, s, 'R', name));
}

export async function listSpaces(ctx: ServiceContext, filter: { org?: string; kind?: SpaceKind }) {
  const orgId = filter.org ? (await visibleOrg(ctx.db, ctx.principal, filter.org)).id : undefined;
  const rows = await listSpaceRows(ctx.db, { orgId, kind: filter.kind, visibleTo: ctx.principal.isAdmin ? undefined : ctx.principal.userId });
  return rows.map(spaceView);
}

/** A space the caller may write (import into): checked before an upload is read. */
export async function writableSpace(ctx: ServiceContext, spaceId: string): Promise<SpaceOut> {
  return spaceView(await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'W'));
}

/** An instance of an org the caller may see, by the ids a ROMA path carries; otherwise not found. */
export async function instanceOfOrg(ctx: ServiceContext, orgId: string, spaceId: string): Promise<SpaceOut> {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'R').catch(() => undefined);
  if (!space || space.kind !== 'instance' || space.org_id !== orgId) throw spaceNotFound(spaceId);
  return spaceView(space);
}

/**
 * Grants a user permissions on an API (org admins): every version of it inherits them,
 * including versions created later (an import that creates a version needs W on the API).
 */
export async function grantOnApi(ctx: ServiceContext, orgRef: string, apiName: string, input: { user?: unknown; perms?: unknown }) {
  const org = await administeredOrg(ctx.db, ctx.principal, orgRef);
  const api = await findApi(ctx.db, org.id, apiName);
  if (!api) throw new DomainError('not_found', `API '${apiName}' was not found in org '${org.name}'.`, { resource: 'api' });
  if (typeof input.user !== 'string') throw new DomainError('invalid_request', 'user: the name of the user to grant to.', { field: 'user' });
  if (input.perms !== 'R' && input.perms !== 'RW' && input.perms !== 'RWX') throw new DomainError('invalid_request', "perms: must be 'R', 'RW' or 'RWX'.", { field: 'perms' });
  const u = await findUserByName(ctx.db, input.user);
  if (!u) throw new DomainError('not_found', `User '${input.user}' was not found.`, { resource: 'user' });
  const perms: Perms = input.perms;
  await ctx.db.transaction().execute(async (trx) => {
    await setApiGrant(trx, api.id, u.id, perms);
    // A grant makes its holder a member of the org, so the org is visible to them.
    if (!(await orgRolesOf(trx, u.id)).has(org.id)) await setOrgRole(trx, org.id, u.id, 'member');
    await recordAudit(trx, { actor: ctx.principal.name, action: 'api_grant.set', org_id: org.id, details: { api: api.name, user: u.name, perms } });
  });
  return { org: org.name, api: api.name, user: u.name, perms };
}

/**
 * Deletes a space that holds no assets (org admins, as creating one). Its grants and the
 * history of assets it once held go with it; its jobs stay, no longer tied to a space.
 * A space with assets is refused (`space_not_empty`), and so is one with an asset job
 * queued or running on it.
 */
export async function deleteSpace(ctx: ServiceContext, spaceId: string): Promise<void> {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'R');
  if (!(await administersOrg(ctx.db, ctx.principal, space.org_id))) throw new DomainError('forbidden', `Deleting a space needs the org admin role in org '${space.org_name}'.`);
  const contents = await ctx.db.transaction().execute(async (trx) => {
    const outcome = await deleteEmptySpace(trx, space.id);
    if (outcome.assets > 0) throw new DomainError('space_not_empty', `The space holds ${outcome.assets} asset(s); delete them first.`, { assets: outcome.assets });
    if (outcome.activeJob) throw new DomainError('conflict', `Job ${outcome.activeJob} is queued or running on this space; wait for it to finish.`, { job_id: outcome.activeJob });
    await recordAudit(trx, { actor: ctx.principal.name, action: 'space.delete', org_id: space.org_id, space_id: space.id, details: { kind: space.kind, name: space.name, ...(space.api_name ? { api: space.api_name } : {}), ...(space.project_space ? { project_space: space.project_space } : {}) } });
    return outcome.contents;
  });
  // Large file contents only its history referred to go with it.
  await deleteUnreferencedContents(ctx.db, contents);
}
