/**
 * Recognizes the errors the HTTP framework and its plugins raise (validation, body
 * parsing, size limits, multipart limits) and names them with our dialect-neutral codes;
 * each dialect then renders the code in its own envelope.
 */
export type HttpProblemCode = 'invalid_request' | 'malformed_json' | 'payload_too_large' | 'unsupported_media_type' | 'internal';

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

export function classifyHttpError(err: unknown): HttpProblem {
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
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'malformed_json', detail: e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The body is empty but the content type says JSON.' : 'The body is not valid JSON.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { code: 'payload_too_large', detail: e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is larger than allowed.' : 'The upload is larger than allowed, or has too many parts.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { code: 'unsupported_media_type', detail: 'This content type is not accepted here.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_PROTO_VIOLATION':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return { code: 'invalid_request', detail: 'The request body is malformed.' };
  }
  if (typeof e.statusCode === 'number' && e.statusCode === 413) return { code: 'payload_too_large', detail: 'The request body is larger than allowed.' };
  if (typeof e.statusCode === 'number' && e.statusCode === 415) return { code: 'unsupported_media_type', detail: 'This content type is not accepted here.' };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return { code: 'invalid_request', detail: e.message ?? 'The request is invalid.' };
  return { code: 'internal', detail: 'An internal error occurred; it has been logged with the request id.' };
}
