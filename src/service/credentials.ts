/**
 * Credentials the ROMA door speaks: project-scoped tokens (issued the way IAM issues them,
 * for one org) and access keys (AK/SK) per user, the secret key kept encrypted at rest and
 * shown once.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError } from '../core/errors.js';
import { generateToken, hashToken } from '../auth/passwords.js';
import type { Principal } from '../auth/principal.js';
import type { KeyRing } from '../secrets/key-ring.js';
import { recordAudit } from '../store/audit.js';
import type { DB } from '../store/schema.js';
import { deleteExpiredTokens, insertToken, tokenHolder } from '../store/tokens.js';
import { findUserByName } from '../store/users.js';
import { visibleOrg } from './access.js';
import type { ServiceContext } from './context.js';
import { authenticatePassword, holderPrincipal, principalById } from './users.js';
import { noteCredentialFailure, type Caller } from './login-limits.js';

export { principalById };

export interface ProjectToken {
  token: string;
  expiresAt: Date;
  issuedAt: Date;
  org: { id: string; name: string };
  user: { id: string; name: string };
}

/** A token for one org (project), for a user's name and password. */
export async function issueProjectToken(db: Kysely<DB>, input: { user: string; password: string; project: { id?: string; name?: string } }, ttlSeconds: number, from: Caller): Promise<ProjectToken> {
  const p = await authenticatePassword(db, input.user, input.password, from);
  if (!p) throw new DomainError('invalid_credentials', 'The user name or password is wrong, or the user is locked.');
  const ref = input.project.id ?? input.project.name;
  if (!ref) throw new DomainError('invalid_request', 'The scope needs a project id or name.', { field: 'auth.scope.project' });
  const org = await visibleOrg(db, p, ref).catch(() => {
    throw new DomainError('forbidden', `The user has no access to project '${ref}'.`);
  });
  if (input.project.id && org.id !== input.project.id) throw new DomainError('forbidden', `The user has no access to project '${ref}'.`);
  const token = generateToken();
  const issuedAt = new Date();
  const expiresAt = new Date(issuedAt.getTime() + ttlSeconds * 1000);
  await deleteExpiredTokens(db, issuedAt);
  await insertToken(db, { token_hash: hashToken(token), user_id: p.userId, org_id: org.id, expires_at: expiresAt });
  return { token, expiresAt, issuedAt, org: { id: org.id, name: org.name }, user: { id: p.userId, name: p.name } };
}

/** The caller of a token, and the org it is scoped to (null: any). */
export async function authenticateScopedToken(db: Kysely<DB>, token: string, from: Caller): Promise<{ principal: Principal; orgId: string | null } | null> {
  const t = await tokenHolder(db, hashToken(token), new Date());
  if (!t) await noteCredentialFailure(db, from);
  const principal = t ? holderPrincipal(t) : null;
  return principal ? { principal, orgId: t!.org_id } : null;
}

/** A new access key for a user (the user themself or a deployment admin); the secret is shown once. */
export async function createAccessKey(ctx: ServiceContext, userName: string): Promise<{ access: string; secret: string; user: string; created_at: string }> {
  const u = await findUserByName(ctx.db, userName);
  if (!u) throw new DomainError('not_found', `User '${userName}' was not found.`, { resource: 'user' });
  if (!ctx.principal.isAdmin && u.id !== ctx.principal.userId) throw new DomainError('forbidden', 'Only the user themself or a deployment admin can create access keys.');
  const access = randomBytes(10).toString('hex').toUpperCase();
  const secret = randomBytes(30).toString('base64url');
  const createdAt = new Date();
  await ctx.db.insertInto('access_keys').values({ access_key: access, user_id: u.id, secret_enc: ctx.keyring.encrypt(secret), created_at: createdAt }).execute();
  await recordAudit(ctx.db, { actor: ctx.principal.name, action: 'access_key.create', details: { user: u.name, access_key: access } });
  return { access, secret, user: u.name, created_at: createdAt.toISOString() };
}

/** Counts a request whose AK/SK signature failed (./login-limits.ts); throws too_many_requests past the limit. */
export const noteSignatureFailure = (db: Kysely<DB>, from: Caller, accessKey: string | undefined): Promise<void> => noteCredentialFailure(db, from, accessKey);

/** The secret key and owner of an access key (for verifying a signature), or null. */
export async function accessKeySecret(db: Kysely<DB>, keyring: KeyRing, access: string): Promise<{ secret: string; userId: string } | null> {
  const row = await db.selectFrom('access_keys').select(['secret_enc', 'user_id']).where('access_key', '=', access).executeTakeFirst();
  if (!row) return null;
  try {
    return { secret: keyring.decrypt(row.secret_enc), userId: row.user_id };
  } catch {
    return null; // a key sealed under a master key this deployment no longer has
  }
}
