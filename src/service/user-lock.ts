/**
 * Locking and unlocking users (deployment admins only). A locked user is refused on every
 * door — password (Basic, token issuing), tokens and access keys — and locking revokes the
 * user's tokens; access keys are kept, refused while the user is locked.
 */
import { DomainError } from '../core/errors.js';
import { recordAudit } from '../store/audit.js';
import { deleteTokensOfUser } from '../store/tokens.js';
import { findUserByName, setUserLocked } from '../store/users.js';
import type { ServiceContext } from './context.js';
import { forgetPasswordsOf } from './password-auth.js';

export interface LockState {
  user: string;
  locked: boolean;
  /** Tokens revoked by this call (0 on unlock). */
  revoked_tokens: number;
}

async function lockable(ctx: ServiceContext, name: string, locking: boolean) {
  if (!ctx.principal.isAdmin) throw new DomainError('forbidden', `Only a deployment admin can ${locking ? 'lock' : 'unlock'} users.`);
  const u = await findUserByName(ctx.db, name);
  if (!u) throw new DomainError('not_found', `User '${name}' was not found.`, { resource: 'user' });
  // So at least the admin doing the locking stays able to unlock.
  if (locking && u.id === ctx.principal.userId) throw new DomainError('conflict', 'You cannot lock yourself out; ask another deployment admin.');
  return u;
}

/** Locks a user and revokes every token of the user, in one transaction. */
export async function lockUser(ctx: ServiceContext, name: string): Promise<LockState> {
  const u = await lockable(ctx, name, true);
  const revoked = await ctx.db.transaction().execute(async (trx) => {
    await setUserLocked(trx, u.id, true);
    const n = await deleteTokensOfUser(trx, u.id);
    await recordAudit(trx, { actor: ctx.principal.name, action: 'user.lock', details: { user: u.name, revoked_tokens: n } });
    return n;
  });
  forgetPasswordsOf(ctx.db, u.id);
  return { user: u.name, locked: true, revoked_tokens: revoked };
}

/** Unlocks a user: the password and access keys work again; revoked tokens stay revoked. */
export async function unlockUser(ctx: ServiceContext, name: string): Promise<LockState> {
  const u = await lockable(ctx, name, false);
  await ctx.db.transaction().execute(async (trx) => {
    await setUserLocked(trx, u.id, false);
    await recordAudit(trx, { actor: ctx.principal.name, action: 'user.unlock', details: { user: u.name } });
  });
  return { user: u.name, locked: false, revoked_tokens: 0 };
}
