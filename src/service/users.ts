/** Users, org roles, grants, tokens, and who a request's credentials belong to. */
import type { Kysely } from 'kysely';
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import { checkUserName } from '../core/names.js';
import type { DB, Perms } from '../store/schema.js';
import { findUserById, findUserByName, insertUser, insertUserIfAbsent, orgRolesOf, setGrant, setOrgRole, setPasswordHash } from '../store/users.js';
import { deleteExpiredTokens, deleteToken, deleteTokensOfUser, insertToken, tokenHolder, type TokenHolder } from '../store/tokens.js';
import { recordAudit } from '../store/audit.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import { generatePassword, generateToken, hashPassword, hashToken, verifyPassword } from '../auth/passwords.js';
import type { Principal } from '../auth/principal.js';
import { administeredOrg, spaceWithAccess } from './access.js';
import type { ServiceContext } from './context.js';
import { requireName } from './names-check.js';
import { authenticatePassword, forgetPasswordsOf, principalOf } from './password-auth.js';
import { noteCredentialFailure, type Caller } from './login-limits.js';

/** Password authentication lives in password-auth.ts (with its remembered verifications). */
export { authenticatePassword };

/** The principal of a user id, unless locked. */
export async function principalById(db: Kysely<DB>, userId: string): Promise<Principal | null> {
  const u = await findUserById(db, userId);
  return u && !u.locked ? principalOf(u) : null;
}

/** The caller of a token; an unknown token counts as a failed login from `from` (./login-limits.ts). */
export async function authenticateToken(db: Kysely<DB>, token: string, from: Caller): Promise<Principal | null> {
  const t = await tokenHolder(db, hashToken(token), new Date());
  if (!t) await noteCredentialFailure(db, from);
  return t ? holderPrincipal(t) : null;
}

/** The principal of a token's holder, unless locked. */
export const holderPrincipal = (t: TokenHolder): Principal | null => (t.locked ? null : { userId: t.user_id, name: t.name, isAdmin: t.is_admin });

export async function issueToken(db: Kysely<DB>, user: unknown, password: unknown, ttlSeconds: number, from: Caller): Promise<{ token: string; expires_at: string }> {
  if (typeof user !== 'string' || typeof password !== 'string') {
    throw new DomainError('invalid_request', 'Give {"user": "…", "password": "…"}.');
  }
  const p = await authenticatePassword(db, user, password, from);
  if (!p) throw new DomainError('invalid_credentials', 'The user name or password is wrong, or the user is locked.');
  const token = generateToken();
  const expires = new Date(Date.now() + ttlSeconds * 1000);
  await deleteExpiredTokens(db, new Date());
  await insertToken(db, { token_hash: hashToken(token), user_id: p.userId, expires_at: expires });
  return { token, expires_at: expires.toISOString() };
}

/**
 * Revokes the Bearer token a call was made with (`DELETE /api/v1/tokens/current`, the CLI's
 * logout). Basic credentials have no token to revoke.
 */
export async function revokeCallerToken(db: Kysely<DB>, authorization: string | undefined): Promise<void> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) throw new DomainError('invalid_request', 'Only a Bearer token can be revoked; this call was made with other credentials.');
  await deleteToken(db, hashToken(m[1]!));
}

export interface OrgRoleInput { org: string; role: 'admin' | 'member' }

function parseOrgRoles(v: unknown): OrgRoleInput[] {
  if (v === undefined) return [];
  const list = Array.isArray(v)
    ? v
    : typeof v === 'object' && v !== null
      ? Object.entries(v as Record<string, unknown>).map(([org, role]) => ({ org, role }))
      : null;
  if (!list) throw new DomainError('invalid_request', 'org_roles: give a list of {org, role} or an object {"<org>": "admin" | "member"}.', { field: 'org_roles' });
  return list.map((r, i) => {
    const x = r as { org?: unknown; role?: unknown };
    if (typeof x?.org !== 'string' || (x.role !== 'admin' && x.role !== 'member')) {
      throw new DomainError('invalid_request', `org_roles[${i}]: needs an org and a role of admin or member.`, { field: 'org_roles' });
    }
    return { org: x.org, role: x.role };
  });
}

function requirePassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || password.length < 8 || password.length > 1024) {
    throw new DomainError('invalid_request', 'password: must be 8 to 1024 characters.', { field: 'password' });
  }
}

export async function createUser(ctx: ServiceContext, input: { name?: unknown; password?: unknown; org_roles?: unknown; admin?: unknown }) {
  requireName(checkUserName(input.name), 'name');
  requirePassword(input.password);
  const roles = parseOrgRoles(input.org_roles);
  const makeAdmin = input.admin === true;
  if (!ctx.principal.isAdmin) {
    if (makeAdmin) throw new DomainError('forbidden', 'Only a deployment admin can create admins.');
    if (roles.length === 0) throw new DomainError('forbidden', 'Creating a user needs the deployment admin role, or org_roles in orgs you administer.');
  }
  const orgs: Array<{ org: { id: string; name: string }; role: 'admin' | 'member' }> = [];
  for (const r of roles) orgs.push({ org: await administeredOrg(ctx.db, ctx.principal, r.org), role: r.role });
  const hash = await hashPassword(input.password);
  const name = input.name as string;
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const u = await insertUser(trx, { id: newId32(), name, password_hash: hash, is_admin: makeAdmin });
      for (const o of orgs) await setOrgRole(trx, o.org.id, u.id, o.role);
      await recordAudit(trx, { actor: ctx.principal.name, action: 'user.create', details: { user: name, admin: makeAdmin, org_roles: orgs.map((o) => ({ org: o.org.name, role: o.role })) } });
      return { id: u.id, name: u.name, admin: u.is_admin, org_roles: orgs.map((o) => ({ org: o.org.name, org_id: o.org.id, role: o.role })), created_at: u.created_at.toISOString() };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new DomainError('conflict', `A user named '${name}' already exists.`);
    throw e;
  }
}

export async function grant(ctx: ServiceContext, spaceId: string, input: { user?: unknown; perms?: unknown }) {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'R');
  await administeredOrg(ctx.db, ctx.principal, space.org_id);
  if (typeof input.user !== 'string') throw new DomainError('invalid_request', 'user: the name of the user to grant to.', { field: 'user' });
  if (input.perms !== 'R' && input.perms !== 'RW' && input.perms !== 'RWX') throw new DomainError('invalid_request', "perms: must be 'R', 'RW' or 'RWX'.", { field: 'perms' });
  const u = await findUserByName(ctx.db, input.user);
  if (!u) throw new DomainError('not_found', `User '${input.user}' was not found.`, { resource: 'user' });
  const perms: Perms = input.perms;
  await ctx.db.transaction().execute(async (trx) => {
    await setGrant(trx, space.id, u.id, perms);
    // A grant makes its holder a member of the org, so the org is visible to them.
    const roles = await orgRolesOf(trx, u.id);
    if (!roles.has(space.org_id)) await setOrgRole(trx, space.org_id, u.id, 'member');
    await recordAudit(trx, { actor: ctx.principal.name, action: 'grant.set', org_id: space.org_id, space_id: space.id, details: { user: u.name, perms } });
  });
  return { space_id: space.id, user: u.name, perms };
}

interface AdminBootstrap {
  created: boolean;
  /** The generated password when this call made the user without a given one (to be printed once), else null. */
  generatedPassword: string | null;
  /** When a password was given and the user already existed: whether it is still the user's password; else null. */
  givenPasswordMatches: boolean | null;
}

/**
 * Makes the bootstrap admin on first start, when no user of that name exists yet, with
 * the given password or a generated one. The server calls it only once it listens, so a
 * start that fails before (port in use) creates nothing and the next start generates and
 * prints a password again: a generated password is never lost.
 */
export async function bootstrapAdmin(db: Kysely<DB>, name: string, password: string | undefined): Promise<AdminBootstrap> {
  const existing = await findUserByName(db, name);
  if (existing) return { created: false, generatedPassword: null, givenPasswordMatches: password === undefined ? null : await verifyPassword(password, existing.password_hash) };
  const plain = password ?? generatePassword();
  const created = await insertUserIfAbsent(db, { id: newId32(), name, password_hash: await hashPassword(plain), is_admin: true });
  // Not created: another process made it a moment ago (with the same configuration).
  return { created, generatedPassword: created && !password ? plain : null, givenPasswordMatches: null };
}

/**
 * Sets a user's password and revokes every token of the user, in one transaction (the
 * `assetport admin reset-password` command; `actor` names who did it in the audit trail).
 * Returns null when there is no such user.
 */
export async function resetPassword(db: Kysely<DB>, name: string, password: unknown, actor: string): Promise<{ admin: boolean; revokedTokens: number } | null> {
  requirePassword(password);
  const hash = await hashPassword(password);
  const done = await db.transaction().execute(async (trx) => {
    const u = await findUserByName(trx, name);
    if (!u) return null;
    await setPasswordHash(trx, u.id, hash);
    const revokedTokens = await deleteTokensOfUser(trx, u.id);
    await recordAudit(trx, { actor, action: 'user.password_reset', details: { user: u.name, revoked_tokens: revokedTokens } });
    return { userId: u.id, admin: u.is_admin, revokedTokens };
  });
  if (!done) return null;
  // Other processes see the new hash on their next call (password-auth.ts); this one forgets now.
  forgetPasswordsOf(db, done.userId);
  return { admin: done.admin, revokedTokens: done.revokedTokens };
}
