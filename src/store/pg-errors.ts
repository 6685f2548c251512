/** Recognizes PostgreSQL error codes (same on pg and PGlite). */
const codeOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

const constraintOf = (e: unknown): string =>
  typeof e === 'object' && e !== null
    ? String((e as { constraint?: unknown }).constraint ?? '') + ' ' + String((e as { message?: unknown }).message ?? '')
    : '';

/** 23505: unique_violation; optionally of a named constraint or index. */
export const isUniqueViolation = (e: unknown, constraint?: string): boolean =>
  codeOf(e) === '23505' && (constraint === undefined || constraintOf(e).includes(constraint));
