/**
 * An IAM-compatible token service for the ROMA door: `POST /v3/auth/tokens` with a password
 * identity and a project scope answers 201 with the token in `X-Subject-Token`, valid 24 h,
 * good for that project (org) only. Errors are IAM's: `{"error": {"code", "title", "message"}}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, retryAfterOf } from '../../core/errors.js';
import { issueProjectToken } from '../../service/credentials.js';
import type { AppDeps } from '../app.js';
import { classifyHttpError } from '../http-errors.js';

const TOKEN_TTL_SECONDS = 24 * 3600;
const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error' };

class IamError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendIamError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ error: { code: status, title: TITLES[status] ?? 'Error', message } });
}

function renderIamError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof IamError) return sendIamError(reply, err.status, err.message);
  if (isDomainError(err)) {
    const retryAfter = retryAfterOf(err);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    const status = err.code === 'invalid_credentials' || err.code === 'unauthenticated' ? 401 : err.code === 'forbidden' ? 403 : err.code === 'too_many_requests' ? 429 : err.code === 'internal' ? 500 : 400;
    return sendIamError(reply, status, err.message);
  }
  const http = classifyHttpError(err);
  if (http.code === 'internal') request.log.error({ err }, 'unhandled error');
  const status = http.code === 'payload_too_large' ? 413 : http.code === 'unsupported_media_type' ? 415 : http.code === 'internal' ? 500 : 400;
  return sendIamError(reply, status, http.detail);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

interface IamBody {
  auth?: { identity?: { methods?: unknown; password?: { user?: { name?: unknown; password?: unknown; domain?: { name?: unknown; id?: unknown } } } }; scope?: { project?: { id?: unknown; name?: unknown } } };
}

export async function iamRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const db = deps.database.db;
  app.setErrorHandler((err, request, reply) => renderIamError(err, request, reply));

  app.post('/v3/auth/tokens', async (r, reply) => {
    const b = (r.body ?? {}) as IamBody;
    const identity = b.auth?.identity;
    const methods = identity?.methods;
    if (!Array.isArray(methods) || !methods.includes('password')) throw new IamError(400, 'auth.identity.methods must include "password"; only password identities are supported.');
    const user = identity?.password?.user;
    const name = str(user?.name);
    const password = str(user?.password);
    if (!name || !password) throw new IamError(400, 'auth.identity.password.user needs name and password.');
    const project = b.auth?.scope?.project;
    const id = str(project?.id);
    const pname = str(project?.name);
    if (!id && !pname) throw new IamError(400, 'auth.scope.project needs id or name: tokens are scoped to a project.');
    const t = await issueProjectToken(db, { user: name, password, project: { ...(id ? { id } : {}), ...(pname ? { name: pname } : {}) } }, TOKEN_TTL_SECONDS, { address: r.ip });
    const domain = { id: t.org.id, name: str(user?.domain?.name) ?? t.org.name };
    reply.header('x-subject-token', t.token);
    return reply.code(201).send({
      token: {
        methods: ['password'],
        expires_at: t.expiresAt.toISOString(),
        issued_at: t.issuedAt.toISOString(),
        project: { id: t.org.id, name: t.org.name, domain },
        user: { id: t.user.id, name: t.user.name, domain },
        catalog: [],
      },
    });
  });
}
