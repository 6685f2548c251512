/**
 * The native API's error catalogue: every stable `code` with its HTTP status and title,
 * typed so that a code without an entry is a compile error. Errors are rendered as
 * RFC 9457 problem details (application/problem+json).
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, retryAfterOf, type ErrorCode } from '../../core/errors.js';
import { newId32 } from '../../core/ids.js';
import { classifyHttpError, clientErrorProblem, SlowUploadError, type HttpProblemCode } from '../http-errors.js';
import { unmatchedHandler, type RouteIndex } from '../route-index.js';

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
  job_not_finished: { status: 409, title: 'The job has not finished' },
  space_not_empty: { status: 409, title: 'The space is not empty' },
  request_timeout: { status: 408, title: 'Request timeout' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  invalid_package: { status: 422, title: 'Invalid package' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
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
    const retryAfter = retryAfterOf(err);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    return sendProblem(reply, problemOf(err.code, err.message, request, extra));
  }
  const http = classifyHttpError(err, limitsOf(request));
  if (http.code === 'internal') request.log.error({ err }, 'unhandled error');
  if (err instanceof SlowUploadError) {
    // The rest of the upload is not waited for: the connection closes once the answer is out.
    reply.header('connection', 'close');
    reply.raw.once('finish', () => request.raw.socket?.destroy());
  }
  const detail = http.code === 'unsupported_media_type' ? acceptedTypes(request) ?? http.detail : http.detail;
  return sendProblem(reply, problemOf(http.code, detail, request, http.extra ?? {}));
}

/** The JSON body limit, where the app has it. */
function limitsOf(request: FastifyRequest): { jsonBodyBytes: number } | undefined {
  const limit = request.server?.initialConfig.bodyLimit;
  return typeof limit === 'number' ? { jsonBodyBytes: limit } : undefined;
}

/** What a route takes, for a 415. */
function acceptedTypes(request: FastifyRequest): string | undefined {
  const url = request.routeOptions?.url;
  if (!url) return undefined;
  if (url.endsWith('/imports')) return `This call takes multipart/form-data with the parts ${IMPORT_PARTS.join(', ')}.`;
  return 'This call takes application/json (UTF-8), or no body.';
}

/** The parts of an import upload, in the order the API describes them. */
const IMPORT_PARTS = ['package', 'accounts', 'expressions', 'options'] as const;

/** Answers an error Node's HTTP parser raised before there is a request, as a problem. */
export function nativeClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const p = clientErrorProblem(err);
  const body = JSON.stringify({ type: `urn:assetport:problem:${p.code}`, title: NATIVE_ERRORS[p.code].title, status: p.status, detail: p.detail, code: p.code, instance: null, request_id: newId32() });
  if (!socket.writable) {
    socket.destroy(err);
    return;
  }
  // An answer already on its way (the request was answered before the rest of it broke the
  // parser) is let finish, not cut by a second one; `end` flushes before closing.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (answering) socket.end();
  else socket.end(`HTTP/1.1 ${p.status} ${NATIVE_ERRORS[p.code].title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Answers an unknown route: 405 with Allow when the path exists under other methods, else 404. */
export const nativeNotFound = (routes: RouteIndex) =>
  unmatchedHandler(routes, (request, reply, miss) => sendProblem(reply, problemOf(miss.allowed.length > 0 ? 'method_not_allowed' : 'route_not_found', miss.detail, request)));
