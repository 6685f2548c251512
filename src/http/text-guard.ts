/**
 * Refuses request values PostgreSQL can't take as text (NUL characters, unpaired
 * surrogates) before they reach a query, so they are a clear 4xx and never a 500.
 */
import { textProblem } from '../core/json-text.js';

/** The first problem found in path parameters, query values or a parsed JSON body. */
export function findTextProblem(value: unknown, where: string, depth = 0): string | null {
  if (typeof value === 'string') return textProblem(value, where);
  if (depth > 64 || value === null || typeof value !== 'object') return null;
  if (Buffer.isBuffer(value)) return null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = textProblem(k, `${where} (a key)`) ?? findTextProblem(v, `${where}.${k}`, depth + 1);
    if (p) return p;
  }
  return null;
}
