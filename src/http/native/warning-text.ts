/**
 * How the native API words an import's warnings: a sentence that says what happened to
 * the asset or file ("Task 'books' was imported disabled: no pipeline 'load' found in the
 * package or the space."), or for a plan (a dry run, or an import that was refused) what
 * would happen. The warning's `code`, `subject` and `details` stay beside the sentence.
 */
import type { ImportWarning } from '../../core/import-warnings.js';

/** `done`: a finished import; `planned`: a dry run, or a refused import (nothing was written). */
export type Tense = 'done' | 'planned';

const fieldList = (fields: readonly string[]): string => `secret ${fields.length === 1 ? 'field' : 'fields'} ${fields.join(', ')}`;

export function warningMessage(w: ImportWarning, tense: Tense): string {
  const was = tense === 'done' ? 'was' : 'would be';
  const wasNot = tense === 'done' ? 'was not' : 'would not be';
  switch (w.code) {
    case 'unresolved_reference': {
      const { type, name } = w.subject;
      const { ref } = w.details;
      return `${type} '${name}' ${was} imported disabled: no ${ref.type.toLowerCase()} '${ref.name}' found in the package or the space.`;
    }
    case 'secret_unavailable': {
      const { type, name } = w.subject;
      const { fields } = w.details;
      return `${type} '${name}' ${was} imported disabled: its ${fieldList(fields)} can't be decrypted on this deployment and no account override supplies ${fields.length === 1 ? 'it' : 'them'}.`;
    }
    case 'override_not_applied': {
      const { type, name } = w.subject;
      return `The account override for ${type} '${name}' (${w.details.fields.join(', ')}) ${wasNot} applied: the account already exists and ${was} skipped (reported as failed).`;
    }
    case 'expression_ignored':
      return `"${w.subject.file}" in the expressions ZIP is not an .expr file and ${wasNot} imported.`;
    case 'expression_duplicate':
      return `"${w.subject.file}" ${wasNot} imported: "${w.details.first}" has the same file name and comes first in the expressions ZIP.`;
  }
}

type Worded = ImportWarning & { message: string };

/** A warning with its sentence; one stored before warnings were data (it has its message) stays as it is. */
function worded(w: ImportWarning, tense: Tense): Worded {
  if (!('subject' in w)) return w as Worded;
  return { code: w.code, message: warningMessage(w, tense), subject: w.subject, details: w.details } as Worded;
}

interface ReportLike {
  ok: boolean;
  dry_run: boolean;
  items: Array<{ warnings: ImportWarning[] }>;
  warnings: ImportWarning[];
}

const isReport = (x: unknown): x is ReportLike => {
  const r = x as Partial<ReportLike> | null;
  return typeof r === 'object' && r !== null && typeof r.dry_run === 'boolean' && Array.isArray(r.items) && Array.isArray(r.warnings);
};

/**
 * An import report (a dry run's answer, an import job's result) with every warning worded;
 * anything else as it is.
 */
export function withWordedWarnings<T>(result: T): T {
  if (!isReport(result)) return result;
  const tense: Tense = result.dry_run || !result.ok ? 'planned' : 'done';
  return {
    ...result,
    items: result.items.map((i) => ({ ...i, warnings: i.warnings.map((w) => worded(w, tense)) })),
    warnings: result.warnings.map((w) => worded(w, tense)),
  };
}
