/**
 * Recognizes the errors the HTTP framework and its plugins raise (validation, body
 * parsing, size limits, multipart limits, malformed multipart bodies, bad URLs, timeouts)
 * and names them with our dialect-neutral codes; each dialect then renders the code in its
 * own envelope. Anything a client can cause is a 4xx here; only our own faults are internal.
 */
import { bytesPhrase } from '../core/phrases.js';

export type HttpProblemCode = 'invalid_request' | 'malformed_json' | 'payload_too_large' | 'unsupported_media_type' | 'request_timeout' | 'uri_too_long' | 'headers_too_large' | 'internal';

export interface HttpProblem {
  code: HttpProblemCode;
  detail: string;
  extra?: Record<string, unknown>;
}

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
}


/**
 * An error raised while reading a multipart body the client sent (by the multipart parser
 * or the connection): always the client's doing, never a fault of ours.
 */
export class MalformedBodyError extends Error {
  readonly code = 'ASSETPORT_MALFORMED_BODY';
  constructor(readonly reason: string) {
    super(`The multipart body is malformed: ${reason}`);
    this.name = 'MalformedBodyError';
  }
}

/** An upload cut off because the client sent it slower than the configured floor. */
export class SlowUploadError extends Error {
  readonly code = 'ASSETPORT_SLOW_UPLOAD';
  constructor(readonly minBytesPerSecond: number, readonly windowSeconds: number) {
    super(`The upload was cut off: it arrived slower than ${minBytesPerSecond} bytes per second over ${windowSeconds} s (ASSETPORT_MIN_UPLOAD_BYTES_PER_SECOND). Nothing of it was kept.`);
    this.name = 'SlowUploadError';
  }
}

/** Messages of the multipart parser (busboy) for a body or Content-Type it can't read. */
const MULTIPART_MESSAGES: Array<[RegExp, string]> = [
  [/^Multipart: Boundary not found|^Boundary required/, 'the Content-Type multipart/form-data has no boundary parameter (boundary=…)'],
  [/^The needle cannot be an empty/, 'the boundary parameter is empty'],
  [/^The needle cannot have a length bigger than/, 'the boundary parameter is longer than 256 characters'],
  [/Unexpected end of (multipart|form)|terminated early/, 'it ends before its closing boundary'],
  [/^Malformed (part header|urlencoded form)/, 'a part header is malformed'],
];

/** The problem of a multipart parser error, if it is one. */
export function multipartProblem(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : '';
  for (const [re, reason] of MULTIPART_MESSAGES) if (re.test(message)) return reason;
  return undefined;
}

export function classifyHttpError(err: unknown, limits?: { jsonBodyBytes: number }): HttpProblem {
  const e = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  if (e.validation) {
    const errors = e.validation.map((v) => {
      const where = `${e.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`;
      const prop = typeof v.params?.missingProperty === 'string' ? `.${v.params.missingProperty}` : typeof v.params?.additionalProperty === 'string' ? `.${v.params.additionalProperty}` : '';
      return { field: `${where}${prop}`, message: v.message ?? 'is invalid' };
    });
    const detail = errors.map((x) => `${x.field}: ${x.message}`).join('; ');
    return { code: 'invalid_request', detail: detail || 'The request is invalid.', extra: { errors } };
  }
  if (err instanceof SlowUploadError) return { code: 'request_timeout', detail: err.message, extra: { min_bytes_per_second: err.minBytesPerSecond, window_seconds: err.windowSeconds } };
  if (err instanceof MalformedBodyError) return { code: 'invalid_request', detail: err.message };
  const multipart = multipartProblem(err);
  if (multipart) return { code: 'invalid_request', detail: `The multipart body can't be read: ${multipart}.` };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'malformed_json', detail: e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The body is empty but the content type says JSON.' : 'The body is not valid JSON.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return limits
        ? { code: 'payload_too_large', detail: `The request body is larger than the limit of ${bytesPhrase(limits.jsonBodyBytes)} (ASSETPORT_MAX_JSON_BODY).`, extra: { limit: limits.jsonBodyBytes } }
        : { code: 'payload_too_large', detail: 'The request body is larger than allowed.' };
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { code: 'payload_too_large', detail: 'The upload is larger than allowed, or has too many parts.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { code: 'unsupported_media_type', detail: 'This content type is not accepted here; JSON calls take application/json, imports multipart/form-data.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_PROTO_VIOLATION':
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_MP_PREMATURE_CLOSE':
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return { code: 'invalid_request', detail: 'The request body is malformed.' };
    case 'FST_ERR_BAD_URL':
      return { code: 'invalid_request', detail: 'The path is not a valid URL (a % not followed by two hex digits, or bytes that are not UTF-8).' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { code: 'uri_too_long', detail: 'A path segment is longer than any name or id can be.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
    case 'FST_ERR_CTP_INVALID_PARSE_TYPE':
      return { code: 'unsupported_media_type', detail: 'The Content-Type header is not valid.' };
  }
  if (typeof e.statusCode === 'number' && e.statusCode === 413) return { code: 'payload_too_large', detail: 'The request body is larger than allowed.' };
  if (typeof e.statusCode === 'number' && e.statusCode === 415) return { code: 'unsupported_media_type', detail: 'This content type is not accepted here.' };
  if (typeof e.statusCode === 'number' && e.statusCode === 408) return { code: 'request_timeout', detail: 'The request took too long to arrive.' };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return { code: 'invalid_request', detail: e.message ?? 'The request is invalid.' };
  return { code: 'internal', detail: 'An internal error occurred; it has been logged with the request id.' };
}

/** The status and problem code of an error Node's HTTP parser raises before there is a request. */
export function clientErrorProblem(err: { code?: string }): { status: number; code: HttpProblemCode; detail: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers_too_large', detail: 'The request headers are larger than allowed.' };
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', detail: 'The request did not arrive in time.' };
  return { status: 400, code: 'invalid_request', detail: 'The request is not valid HTTP/1.1.' };
}
