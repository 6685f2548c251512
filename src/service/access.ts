/**
 * Who may do what. A deployment admin may do everything; an org admin everything in the
 * org; a member only what a grant on a space gives (R reads, W writes and imports, X is
 * reserved for running). What a caller may not see is reported as not found, so
 * existence is never revealed; what they may see but not change is forbidden.
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../core/errors.js';
import type { DB, Perms } from '../store/schema.js';
import { findOrg, type OrgRow } from '../store/orgs.js';
import { getSpaceWithHoldings, type SpaceHoldings, type SpaceView } from '../store/spaces.js';
import { grantOf } from '../store/users.js';
import { apiGrantOf } from '../store/api-grants.js';
import type { Principal } from '../auth/principal.js';
import { isId32 } from '../core/ids.js';

export type Need = 'R' | 'W' | 'X';

const orgRole = async (db: Kysely<DB>, orgId: string, userId: string): Promise<'admin' | 'member' | undefined> =>
  (await db.selectFrom('org_roles').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst())?.role;

const orgNotFound = (ref: string): DomainError => new DomainError('not_found', `Org '${ref}' was not found.`, { resource: 'org' });
export const spaceNotFound = (ref: string): DomainError => new DomainError('not_found', `Space '${ref}' was not found.`, { resource: 'space' });

/** Whether the principal administers the org (or the deployment). */
export const administersOrg = async (db: Kysely<DB>, p: Principal, orgId: string): Promise<boolean> => p.isAdmin || (await orgRole(db, orgId, p.userId)) === 'admin';

/** The wider of two grants ('' when neither). */
const wider = (a: Perms | '' | undefined, b: Perms | '' | undefined): Perms | '' => ((a ?? '').length >= (b ?? '').length ? (a ?? '') : (b ?? ''));

/** "write permission (W)" and the like, as a refusal names what was needed. */
const needText = (need: Need): string => `${need === 'W' ? 'write' : need === 'X' ? 'execute' : 'read'} permission (${need})`;

/** The permissions the principal holds on a space ('' when none): its own grant, or one on its API (versions inherit it). */
export async function spacePerms(db: Kysely<DB>, p: Principal, space: { id: string; org_id: string; api_id?: string | null }): Promise<Perms | ''> {
  // Read one after the other, and only as far as needed (an admin needs no grant read).
  if (p.isAdmin) return 'RWX';
  const role = (await orgRole(db, space.org_id, p.userId)) ?? null;
  if (role === 'admin') return 'RWX';
  const grant = (await grantOf(db, space.id, p.userId)) ?? null;
  const apiGrant = space.api_id ? ((await apiGrantOf(db, space.api_id, p.userId)) ?? null) : null;
  return permsOf(p, space, { role, grant, apiGrant });
}

/** The permissions the principal holds on an API ('' when none); every version inherits them. */
async function apiPerms(db: Kysely<DB>, p: Principal, api: { id: string; org_id: string }): Promise<Perms | ''> {
  if (p.isAdmin) return 'RWX';
  if ((await orgRole(db, api.org_id, p.userId)) === 'admin') return 'RWX';
  return (await apiGrantOf(db, api.id, p.userId)) ?? '';
}

/**
 * Checks `need` on an API (what creating a version of it takes). The API is visible to
 * whoever sees its org (as the native API lists it): lacking `need` is forbidden.
 */
export async function requireApiAccess(db: Kysely<DB>, p: Principal, api: { id: string; org_id: string; name: string }, need: Need): Promise<void> {
  const perms = await apiPerms(db, p, api);
  if (!perms.includes(need)) throw new DomainError('forbidden', `This needs ${needText(need)} on the API '${api.name}'.`);
}

/** An org the principal may see (admin, any org role, or a grant on one of its spaces). */
export async function visibleOrg(db: Kysely<DB>, p: Principal, ref: string): Promise<OrgRow> {
  const org = await findOrg(db, ref);
  if (!org) throw orgNotFound(ref);
  if (p.isAdmin || (await orgRole(db, org.id, p.userId))) return org;
  const granted = await db
    .selectFrom('grants')
    .innerJoin('spaces', 'spaces.id', 'grants.space_id')
    .select('grants.space_id')
    .where('spaces.org_id', '=', org.id)
    .where('grants.user_id', '=', p.userId)
    .executeTakeFirst();
  if (!granted) throw orgNotFound(ref);
  return org;
}

/** An org the principal administers (visible but not administered → forbidden). */
export async function administeredOrg(db: Kysely<DB>, p: Principal, ref: string): Promise<OrgRow> {
  const org = await visibleOrg(db, p, ref);
  if (p.isAdmin || (await orgRole(db, org.id, p.userId)) === 'admin') return org;
  throw new DomainError('forbidden', `Administering org '${org.name}' needs the org admin role.`);
}

/** Checks `need` on an already loaded space; invisible spaces are not found. */
export async function requireSpaceAccess(db: Kysely<DB>, p: Principal, space: SpaceView, need: Need, ref = space.id): Promise<SpaceView> {
  checkPerms(await spacePerms(db, p, space), need, ref);
  return space;
}

/** Without R the space is not found; without `need` it is forbidden. */
function checkPerms(perms: Perms | '', need: Need, ref: string): void {
  if (!perms.includes('R')) throw spaceNotFound(ref);
  if (!perms.includes(need)) throw new DomainError('forbidden', `This needs ${needText(need)} on the space.`);
}

/** The permissions that what a user holds on a space gives: its own grant, or one on its API (versions inherit it). */
function permsOf(p: Principal, space: { api_id?: string | null }, h: SpaceHoldings): Perms | '' {
  if (p.isAdmin || h.role === 'admin') return 'RWX';
  return space.api_id ? wider(h.grant ?? undefined, h.apiGrant ?? undefined) : (h.grant ?? '');
}

/** Checks `need` on a space read by id, with what the principal holds on it in the same statement. */
export async function spaceWithAccess(db: Kysely<DB>, p: Principal, spaceId: string, need: Need): Promise<SpaceView> {
  const found = isId32(spaceId) ? await getSpaceWithHoldings(db, spaceId, p.userId) : undefined;
  if (!found) throw spaceNotFound(spaceId);
  checkPerms(permsOf(p, found.space, found.holdings), need, spaceId);
  return found.space;
}

export function requireAdmin(p: Principal, what: string): void {
  if (!p.isAdmin) throw new DomainError('forbidden', `${what} needs the deployment admin role.`);
}
