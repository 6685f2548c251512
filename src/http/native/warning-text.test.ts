import { describe, expect, it } from 'vitest';
import type { ImportWarning } from '../../core/import-warnings.js';
import { warningMessage, withWordedWarnings } from './warning-text.js';

const task = { type: 'Task' as const, name: 'books', source_id: 's1' };
const account = { type: 'Account' as const, name: 'db', source_id: 's2' };
const missingPipeline: ImportWarning = { code: 'unresolved_reference', subject: task, details: { ref: { type: 'Pipeline', name: 'load' } } };

describe('native warning text', () => {
  it('says what happened to a finished import, and what would happen to a plan', () => {
    expect(warningMessage(missingPipeline, 'done')).toBe("Task 'books' was imported disabled: no pipeline 'load' found in the package or the space.");
    expect(warningMessage(missingPipeline, 'planned')).toBe("Task 'books' would be imported disabled: no pipeline 'load' found in the package or the space.");
  });

  it('words every warning kind', () => {
    expect(warningMessage({ code: 'secret_unavailable', subject: account, details: { fields: ['password'] } }, 'done')).toBe(
      "Account 'db' was imported disabled: its secret field password can't be decrypted on this deployment and no account override supplies it.",
    );
    expect(warningMessage({ code: 'secret_unavailable', subject: account, details: { fields: ['password', 'token'] } }, 'planned')).toBe(
      "Account 'db' would be imported disabled: its secret fields password, token can't be decrypted on this deployment and no account override supplies them.",
    );
    expect(warningMessage({ code: 'override_not_applied', subject: account, details: { fields: ['password'] } }, 'done')).toBe(
      "The account override for Account 'db' (password) was not applied: the account already exists and was skipped (reported as failed).",
    );
    expect(warningMessage({ code: 'expression_ignored', subject: { file: 'a/notes.txt' }, details: {} }, 'done')).toBe('"a/notes.txt" in the expressions ZIP is not an .expr file and was not imported.');
    expect(warningMessage({ code: 'expression_duplicate', subject: { file: 'b/lib.expr' }, details: { first: 'a/lib.expr' } }, 'planned')).toBe(
      '"b/lib.expr" would not be imported: "a/lib.expr" has the same file name and comes first in the expressions ZIP.',
    );
  });

  it('words the warnings of a report: past for a finished import, conditional for a dry run or a refused import', () => {
    const report = (ok: boolean, dryRun: boolean) => ({ ok, dry_run: dryRun, items: [{ name: 'books', warnings: [missingPipeline] }], warnings: [missingPipeline], summary: { create: 1 } });
    const done = withWordedWarnings(report(true, false));
    expect(done.warnings).toEqual([{ code: 'unresolved_reference', message: expect.stringContaining('was imported disabled'), subject: task, details: { ref: { type: 'Pipeline', name: 'load' } } }]);
    expect(done.items[0]?.warnings).toEqual(done.warnings);
    expect(done).toMatchObject({ summary: { create: 1 }, items: [{ name: 'books' }] });
    expect(withWordedWarnings(report(true, true)).warnings[0]).toMatchObject({ message: expect.stringContaining('would be imported disabled') });
    expect(withWordedWarnings(report(false, false)).warnings[0]).toMatchObject({ message: expect.stringContaining('would be imported disabled') });
  });

  it('leaves anything that is not an import report, and warnings stored with their text, as they are', () => {
    expect(withWordedWarnings(null)).toBeNull();
    const undo = { import_job_id: 'x', removed: 1 };
    expect(withWordedWarnings(undo)).toBe(undo);
    const old = { ok: true, dry_run: false, items: [], warnings: [{ code: 'unresolved_reference', message: 'stored text', name: 'books' }] };
    expect(withWordedWarnings(old).warnings).toEqual(old.warnings);
  });
});
