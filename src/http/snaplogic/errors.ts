/**
 * The SnapLogic door's error catalogue: every code it answers with and its HTTP status,
 * typed so a code without an entry is a compile error. Every error body is SnapLogic's
 * envelope `{"http_status_code": N, "response_map": {"error_list": [{"message": "…"}]}}`
 * (reference/snaplogic-apim-import.md); the code itself is ours, for metrics and logs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, retryAfterOf, type ErrorCode } from '../../core/errors.js';
import { classifyHttpError, SlowUploadError, type HttpProblemCode } from '../http-errors.js';
import type { RouteIndex } from '../route-index.js';

export type SnapLogicCode =
  | 'missing_file'
  | 'not_multipart'
  | 'invalid_zip'
  | 'invalid_parameter'
  | 'invalid_request'
  | 'export_too_large'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'forbidden'
  | 'not_found'
  | 'no_route'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'job_running'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'too_many_requests'
  | 'internal'
  | 'unavailable'
  | 'call_timeout';

const SNAPLOGIC_ERRORS: Readonly<Record<SnapLogicCode, { status: number }>> = Object.freeze({
  missing_file: { status: 400 },
  not_multipart: { status: 400 },
  invalid_zip: { status: 400 },
  invalid_parameter: { status: 400 },
  invalid_request: { status: 400 },
  export_too_large: { status: 400 },
  unauthenticated: { status: 401 },
  invalid_credentials: { status: 401 },
  forbidden: { status: 403 },
  not_found: { status: 404 },
  no_route: { status: 404 },
  method_not_allowed: { status: 405 },
  request_timeout: { status: 408 },
  conflict: { status: 409 },
  job_running: { status: 409 },
  payload_too_large: { status: 413 },
  uri_too_long: { status: 414 },
  headers_too_large: { status: 431 },
  too_many_requests: { status: 429 },
  internal: { status: 500 },
  unavailable: { status: 503 },
  call_timeout: { status: 504 },
});

/** The door's code for every engine and framework code. */
const FROM_CORE: Readonly<Record<ErrorCode | HttpProblemCode, SnapLogicCode>> = Object.freeze({
  invalid_request: 'invalid_request',
  invalid_name: 'invalid_parameter',
  malformed_json: 'invalid_request',
  unauthenticated: 'unauthenticated',
  invalid_credentials: 'invalid_credentials',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'conflict',
  job_running: 'job_running',
  job_not_finished: 'conflict',
  space_not_empty: 'conflict',
  payload_too_large: 'payload_too_large',
  unsupported_media_type: 'not_multipart',
  invalid_package: 'invalid_zip',
  precondition_failed: 'invalid_request',
  unavailable: 'unavailable',
  request_timeout: 'request_timeout',
  uri_too_long: 'uri_too_long',
  headers_too_large: 'headers_too_large',
  too_many_requests: 'too_many_requests',
  internal: 'internal',
});

/** An error the door raises in its own terms. */
export class SnapLogicError extends Error {
  constructor(
    readonly code: SnapLogicCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SnapLogicErrorBody {
  http_status_code: number;
  response_map: { error_list: Array<{ message: string }> };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The asset path a SnapLogic route addresses (`org/apim/api/version`), for "The asset does not exist". */
    snaplogicPath?: string;
  }
}

function sendSnapLogicError(reply: FastifyReply, request: FastifyRequest, code: SnapLogicCode, message: string): FastifyReply {
  const { status } = SNAPLOGIC_ERRORS[code];
  request.errorCode = code;
  if (status === 401) reply.header('www-authenticate', 'Basic realm="assetport"');
  const body: SnapLogicErrorBody = { http_status_code: status, response_map: { error_list: [{ message }] } };
  return reply.code(status).type('application/json').send(body);
}

/** What the door says for an engine error: SnapLogic's wording where it has one. */
function domainMessage(code: SnapLogicCode, message: string, details: Record<string, unknown> | undefined, request: FastifyRequest): string {
  if (code === 'not_found' && request.snaplogicPath) return `The asset does not exist: ${request.snaplogicPath}`;
  if (code === 'conflict' && details?.exists !== undefined) return `${message} Set duplicate_check to skip (or true), create_new (or false) or overwrite.`;
  return message;
}

/** Maps anything thrown on a SnapLogic route to the SnapLogic envelope. */
export function renderSnapLogicError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof SnapLogicError) return sendSnapLogicError(reply, request, err.code, err.message);
  if (isDomainError(err)) {
    if (err.code === 'internal') request.log.error({ err }, 'internal error');
    const retryAfter = retryAfterOf(err);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    const code = FROM_CORE[err.code];
    return sendSnapLogicError(reply, request, code, domainMessage(code, err.message, err.details, request));
  }
  const http = classifyHttpError(err);
  if (http.code === 'internal') request.log.error({ err }, 'unhandled error');
  if (err instanceof SlowUploadError) {
    // The rest of the upload is not waited for: the connection closes once the answer is out.
    reply.header('connection', 'close');
    reply.raw.once('finish', () => request.raw.socket?.destroy());
  }
  return sendSnapLogicError(reply, request, FROM_CORE[http.code], http.detail);
}

/** The door's not-found handler: a wrong method is 405 with `Allow`, an unknown path 404. */
export function snapLogicNotFound(routes: RouteIndex) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes.allowedOther(request.method, path);
    if (allowed.length) return sendSnapLogicError(reply.header('allow', allowed.join(', ')), request, 'method_not_allowed', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`);
    return sendSnapLogicError(reply, request, 'no_route', `There is no endpoint ${request.method} ${path}.`);
  };
}
