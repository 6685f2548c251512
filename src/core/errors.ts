/**
 * The error the core, services, store and jobs raise for what a caller is told: a stable
 * `code` and a message. Each front door maps `code` to its own envelope and status (the
 * native API in src/http/native/errors.ts); the core never knows which door called.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_name'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'job_running'
  | 'job_not_finished'
  | 'space_not_empty'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid_package'
  | 'precondition_failed'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal';

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** The seconds a `too_many_requests` error asks the caller to wait (its Retry-After), if any. */
export function retryAfterOf(e: DomainError): number | undefined {
  const v = e.details?.retry_after_seconds;
  return e.code === 'too_many_requests' && typeof v === 'number' ? v : undefined;
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
