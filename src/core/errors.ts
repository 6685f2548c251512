/**
 * The one error type the core, store and jobs raise. Each wire dialect maps `code`
 * to its own envelope and status (see src/http/<dialect>/errors.ts); the core never
 * knows which dialect called.
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
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid_package'
  | 'precondition_failed'
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

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
