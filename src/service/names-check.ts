import { DomainError } from '../core/errors.js';
import type { NameProblem } from '../core/names.js';

/** Throws `invalid_name` with the rule's sentence when the name breaks it. */
export function requireName(problem: NameProblem, field: string): void {
  if (problem) throw new DomainError('invalid_name', `${field}: ${problem}.`, { field });
}
