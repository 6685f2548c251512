/**
 * The ROMA door's error catalogue: every code it answers with, its HTTP status and a short
 * summary (reference/roma-connect-assets.md, "Errors", with its status decision), typed so a
 * code without an entry is a compile error. Every error body is
 * `{error_code, error_msg, error_details, request_id}`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, retryAfterOf, type ErrorCode } from '../../core/errors.js';
import { classifyHttpError, type HttpProblemCode } from '../http-errors.js';

export type RomaCode =
  | 'ROMA.1000'
  | 'ROMA.1002'
  | 'ROMA.1006'
  | 'ROMA.1007'
  | 'ROMA.10010'
  | 'ROMA.10011'
  | 'ROMA.10012'
  | 'ROMA.10013'
  | 'ROMA.12001'
  | 'ROMA.13000'
  | 'ROMA.13001'
  | 'ROMA.00000404'
  | 'ROMA.00000405'
  | 'ROMA.00000408'
  | 'ROMA.00000409'
  | 'ROMA.00000413'
  | 'ROMA.00000414'
  | 'ROMA.00000415'
  | 'ROMA.00000429'
  | 'ROMA.00000431'
  | 'ROMA.00000500'
  | 'ROMA.00000503';

interface Entry { status: number; summary: string }

const ROMA_ERRORS: Readonly<Record<RomaCode, Entry>> = Object.freeze({
  'ROMA.1000': { status: 401, summary: 'No token in the request.' },
  'ROMA.1002': { status: 401, summary: 'The token is wrong or has expired.' },
  'ROMA.1006': { status: 403, summary: 'No permission for this operation.' },
  'ROMA.1007': { status: 400, summary: 'Invalid URL.' },
  'ROMA.10010': { status: 400, summary: 'Failed to create the job.' },
  'ROMA.10011': { status: 400, summary: 'Failed to decompress the file.' },
  'ROMA.10012': { status: 409, summary: 'An asset management job is running.' },
  'ROMA.10013': { status: 400, summary: "Only .zip files whose name starts with a letter or digit and uses only letters, digits, '+', '-' and '_'." },
  'ROMA.12001': { status: 403, summary: 'No permission on the application.' },
  'ROMA.13000': { status: 400, summary: 'Invalid parameters.' },
  'ROMA.13001': { status: 400, summary: 'No request body.' },
  'ROMA.00000404': { status: 404, summary: 'The resource does not exist.' },
  'ROMA.00000405': { status: 405, summary: 'The method is not allowed.' },
  'ROMA.00000408': { status: 408, summary: 'The request took too long.' },
  'ROMA.00000409': { status: 409, summary: 'Conflict.' },
  'ROMA.00000413': { status: 413, summary: 'The request body is too large.' },
  'ROMA.00000414': { status: 414, summary: 'The URL is too long.' },
  'ROMA.00000415': { status: 415, summary: 'Unsupported media type.' },
  'ROMA.00000429': { status: 429, summary: 'Too many requests.' },
  'ROMA.00000431': { status: 431, summary: 'The request headers are too large.' },
  'ROMA.00000500': { status: 500, summary: 'Internal error.' },
  'ROMA.00000503': { status: 503, summary: 'Service unavailable.' },
});

/** The ROMA code of every engine and framework code. */
const FROM_CORE: Readonly<Record<ErrorCode | HttpProblemCode, RomaCode>> = Object.freeze({
  invalid_request: 'ROMA.13000',
  invalid_name: 'ROMA.13000',
  malformed_json: 'ROMA.13000',
  unauthenticated: 'ROMA.1000',
  invalid_credentials: 'ROMA.1002',
  forbidden: 'ROMA.1006',
  not_found: 'ROMA.00000404',
  conflict: 'ROMA.00000409',
  job_running: 'ROMA.10012',
  job_not_finished: 'ROMA.00000409',
  space_not_empty: 'ROMA.00000409',
  payload_too_large: 'ROMA.00000413',
  unsupported_media_type: 'ROMA.00000415',
  invalid_package: 'ROMA.10011',
  precondition_failed: 'ROMA.13000',
  unavailable: 'ROMA.00000503',
  request_timeout: 'ROMA.00000408',
  uri_too_long: 'ROMA.00000414',
  headers_too_large: 'ROMA.00000431',
  too_many_requests: 'ROMA.00000429',
  internal: 'ROMA.00000500',
});

/** An error the door raises in its own terms. */
export class RomaError extends Error {
  constructor(
    readonly code: RomaCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RomaErrorBody {
  error_code: RomaCode;
  error_msg: string;
  error_details: string;
  request_id: string;
}

export function sendRomaError(reply: FastifyReply, request: FastifyRequest, code: RomaCode, details: string): FastifyReply {
  const e = ROMA_ERRORS[code];
  request.errorCode = code;
  const body: RomaErrorBody = { error_code: code, error_msg: e.summary, error_details: details, request_id: request.id };
  return reply.code(e.status).type('application/json').send(body);
}

/** Maps anything thrown on a ROMA route to a ROMA error body. */
export function renderRomaError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof RomaError) return sendRomaError(reply, request, err.code, err.message);
  if (isDomainError(err)) {
    if (err.code === 'internal') request.log.error({ err }, 'internal error');
    const retryAfter = retryAfterOf(err);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    return sendRomaError(reply, request, FROM_CORE[err.code], err.message);
  }
  const http = classifyHttpError(err);
  if (http.code === 'internal') request.log.error({ err }, 'unhandled error');
  return sendRomaError(reply, request, FROM_CORE[http.code], http.detail);
}

/** The ROMA code for a job reason's engine code (`plan.conflict`, `archive.*`, …). */
export function romaCodeOfReason(code: string): RomaCode {
  if (code === 'plan.conflict') return 'ROMA.00000409';
  if (code === 'plan.too_many_assets') return 'ROMA.13000';
  if (code.startsWith('archive.') || code.startsWith('package.')) return 'ROMA.10011';
  if (code === 'job_running') return 'ROMA.10012';
  if (code === 'not_found') return 'ROMA.00000404';
  if (code.startsWith('plan.')) return 'ROMA.13000';
  return 'ROMA.00000500';
}
