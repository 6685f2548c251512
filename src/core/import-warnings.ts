/**
 * An import's warnings as data: a stable `code`, the `subject` it is about and the
 * `details` of what happened — no text. Each front door renders its own sentence from
 * them (the native API says what happened, the SnapLogic dialect keeps its reference
 * wording: {@link snapLogicWarningMessage}), so one engine speaks every dialect exactly.
 */
import type { AssetType } from './asset-types.js';
import type { AssetRef, PlanWarning } from './plan-types.js';

/** A package asset: its type, its name in the target and its id in the package. */
export interface AssetSubject {
  type: AssetType;
  name: string;
  source_id: string;
}

/** A file of the expressions ZIP, by its path there. */
export interface FileSubject {
  file: string;
}

export type ImportWarning =
  /** The asset is imported disabled: what it refers to is neither in the package nor in the target. */
  | { code: 'unresolved_reference'; subject: AssetSubject; details: { ref: AssetRef } }
  /** The account is imported disabled: these secret settings can't be decrypted here and no override supplies them. */
  | { code: 'secret_unavailable'; subject: AssetSubject; details: { fields: string[] } }
  /** The account overrides for these settings are not applied: the account is skipped. */
  | { code: 'override_not_applied'; subject: AssetSubject; details: { fields: string[] } }
  /** Not imported: not an `.expr` file. */
  | { code: 'expression_ignored'; subject: FileSubject; details: Record<string, never> }
  /** Not imported: `first` has the same file name and comes first in the archive. */
  | { code: 'expression_duplicate'; subject: FileSubject; details: { first: string } };

/** A plan's warning as an import warning. */
export function importWarningOf(w: PlanWarning): ImportWarning {
  const subject: AssetSubject = { type: w.type, name: w.name, source_id: w.sourceId };
  if (w.code === 'unresolved_reference') return { code: w.code, subject, details: { ref: { type: w.ref!.type, name: w.ref!.name } } };
  return { code: w.code, subject, details: { fields: [...(w.fields ?? [])] } };
}

/** The exact SnapLogic warning for a task whose pipeline is not there after the import. */
export const TASK_WITHOUT_PIPELINE_WARNING = 'If this task gets imported, it will be disabled as there is no pipeline found.';

const fieldList = (fields: readonly string[]): string => `${fields.length === 1 ? 'field' : 'fields'} ${fields.join(', ')}`;

/**
 * The SnapLogic dialect's `warnings[].message`: the reference's text for a task without its
 * pipeline, and text in the same manner for every other warning.
 */
export function snapLogicWarningMessage(w: ImportWarning): string {
  switch (w.code) {
    case 'unresolved_reference': {
      const { type } = w.subject;
      const { ref } = w.details;
      if (type === 'Task' && ref.type === 'Pipeline') return TASK_WITHOUT_PIPELINE_WARNING;
      return `If this ${type} gets imported, it will be disabled as there is no ${ref.type} '${ref.name}' found.`;
    }
    case 'secret_unavailable':
      return `If this ${w.subject.type} gets imported, it will be disabled as its secret ${fieldList(w.details.fields)} cannot be decrypted and no account override supplies them.`;
    case 'override_not_applied':
      return `The account override for this ${w.subject.type} is not applied: the ${w.subject.type} already exists and is not updated.`;
    case 'expression_ignored':
      return `"${w.subject.file}" in the expressions ZIP is not an .expr file and was not imported.`;
    case 'expression_duplicate':
      return `"${w.subject.file}" was not imported: "${w.details.first}" has the same file name and comes first in the archive.`;
  }
}
