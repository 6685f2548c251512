/** Native API authentication: `Authorization: Bearer <token>` or `Authorization: Basic`. */
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors.js';
import { parseBasicAuth, parseBearer } from '../../auth/basic.js';
import type { Principal } from '../../auth/principal.js';
import type { ServiceContext } from '../../service/context.js';
import { authenticatePassword, authenticateToken } from '../../service/users.js';

export async function authenticateNative(db: ServiceContext['db'], request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) throw new DomainError('unauthenticated', 'This call needs credentials: Authorization: Bearer <token> (POST /api/v1/tokens) or Basic.');
  const bearer = parseBearer(header);
  if (bearer) {
    const p = await authenticateToken(db, bearer, { address: request.ip });
    if (!p) throw new DomainError('invalid_credentials', 'The token is unknown or has expired.');
    return p;
  }
  const basic = parseBasicAuth(header);
  if (basic) {
    const p = await authenticatePassword(db, basic.user, basic.password, { address: request.ip });
    if (!p) throw new DomainError('invalid_credentials', 'The user name or password is wrong, or the user is locked.');
    return p;
  }
  throw new DomainError('unauthenticated', 'The Authorization header must use the Bearer or Basic scheme.');
}
