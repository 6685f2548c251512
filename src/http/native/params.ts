/** Query parameters of the native API that carry numbers. */
import { DomainError } from '../../core/errors.js';

/** A whole number from `min` to `max` (`dflt` when not given); anything else is a 400 naming it. */
export function intParam(q: Record<string, string | undefined>, name: string, dflt: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new DomainError('invalid_request', `${name}: must be a whole number from ${min} to ${max}.`, { field: name });
  return Number(v);
}
