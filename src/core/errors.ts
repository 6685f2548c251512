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
