/**
 * The native API's error catalogue: every stable `code` with its HTTP status and title,
 * typed so that a code without an entry is a compile error. Errors are rendered as
 * RFC 9457 problem details (application/problem+json).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, type ErrorCode } from '../../core/errors.js';
import { classifyHttpError, type HttpProblemCode } from '../http-errors.js';
import type { RouteIndex } from '../route-index.js';

interface CatalogueEntry { status: number; title: string }

/** Every code the native door answers with: the engine's, the framework's, and its own. */
export type NativeErrorCode = ErrorCode | HttpProblemCode | 'route_not_found' | 'method_not_allowed';

const NATIVE_ERRORS: Readonly<Record<NativeErrorCode, CatalogueEntry>> = Object.freeze({
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_name: { status: 400, title: 'Invalid name' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  job_running: { status: 409, title: 'An asset job is already running' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  invalid_package: { status: 422, title: 'Invalid package' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
});

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: NativeErrorCode;
  instance: string;
  request_id: string;
  [extra: string]: unknown;
}

function problemOf(code: NativeErrorCode, detail: string, request: FastifyRequest, extra: Record<string, unknown> = {}): Problem {
  const entry = NATIVE_ERRORS[code];
  return {
    type: `urn:assetport:problem:${code}`,
    title: entry.title,
    status: entry.status,
    detail,
    code,
    instance: request.url.split('?')[0] ?? request.url,
    request_id: request.id,
    ...extra,
  };
}

function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  reply.request.errorCode = p.code;
  if (p.status === 401) reply.header('www-authenticate', 'Bearer realm="assetport", Basic realm="assetport"');
  return reply.code(p.status).type('application/problem+json').send(p);
}

/** Maps anything thrown in a native route to a problem. */
export function renderNativeError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isDomainError(err)) {
    const extra: Record<string, unknown> = {};
    if (err.details) for (const [k, v] of Object.entries(err.details)) if (k !== 'status') extra[k] = v;
    if (err.code === 'internal') request.log.error({ err }, 'internal error');
    return sendProblem(reply, problemOf(err.code, err.message, request, extra));
  }
  const http = classifyHttpError(err);
  if (http.code === 'internal') request.log.error({ err }, 'unhandled error');
  return sendProblem(reply, problemOf(http.code, http.detail, request, http.extra ?? {}));
}

/** Answers an unknown route: 405 with Allow when the path exists under other methods, else 404. */
export const nativeNotFound = (routes: RouteIndex) => (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  const path = request.url.split('?')[0] ?? '/';
  const allowed = routes.allowedOther(request.method, path);
  if (allowed.length > 0) {
    reply.header('allow', allowed.join(', '));
    return sendProblem(reply, problemOf('method_not_allowed', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`, request));
  }
  return sendProblem(reply, problemOf('route_not_found', `There is no route ${request.method} ${path}.`, request));
};
