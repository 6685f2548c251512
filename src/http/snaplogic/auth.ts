/**
 * SnapLogic authentication: `Authorization: Basic base64(user:password)` on every call, as
 * SnapLogic's clients and keyword libraries send it, or `Authorization: Bearer <token>`
 * with a native token (POST /api/v1/tokens). Locked users are refused like a wrong password.
 */
import type { FastifyRequest } from 'fastify';
import { parseBasicAuth, parseBearer } from '../../auth/basic.js';
import type { Principal } from '../../auth/principal.js';
import type { ServiceContext } from '../../service/context.js';
import { authenticatePassword, authenticateToken } from '../../service/users.js';
import { SnapLogicError } from './errors.js';

export async function authenticateSnapLogic(db: ServiceContext['db'], request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) throw new SnapLogicError('unauthenticated', 'This call needs credentials: Authorization: Basic (user name and password) or Bearer <token>.');
  const bearer = parseBearer(header);
  if (bearer) {
    const p = await authenticateToken(db, bearer, { address: request.ip });
    if (!p) throw new SnapLogicError('invalid_credentials', 'The token is unknown or has expired.');
    return p;
  }
  const basic = parseBasicAuth(header);
  if (basic) {
    const p = await authenticatePassword(db, basic.user, basic.password, { address: request.ip });
    if (!p) throw new SnapLogicError('invalid_credentials', 'The user name or password is wrong, or the user is locked.');
    return p;
  }
  throw new SnapLogicError('unauthenticated', 'The Authorization header must use the Basic or Bearer scheme.');
}
