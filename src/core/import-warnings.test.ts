import { describe, expect, it } from 'vitest';
import { importWarningOf, snapLogicWarningMessage, TASK_WITHOUT_PIPELINE_WARNING, type ImportWarning } from './import-warnings.js';
import { plan } from './plan.js';

const asset = { type: 'Task' as const, name: 'books', source_id: 's1' };

describe('import warnings', () => {
  it('a plan warning becomes code, subject and details', () => {
    const r = plan({
      side: 'snaplogic',
      source: [
        { id: 's1', type: 'Task', name: 'books', sha256: 'x', status: 'enabled', refs: [{ type: 'Pipeline', name: 'load' }] },
        { id: 's2', type: 'Account', name: 'db', sha256: 'y', status: 'enabled', refs: [], undecryptableSecretFields: ['password'] },
      ],
      target: [],
    });
    expect(r.warnings.map(importWarningOf)).toEqual([
      { code: 'secret_unavailable', subject: { type: 'Account', name: 'db', source_id: 's2' }, details: { fields: ['password'] } },
      { code: 'unresolved_reference', subject: asset, details: { ref: { type: 'Pipeline', name: 'load' } } },
    ]);
  });

  it('the SnapLogic dialect keeps the reference text for a task without its pipeline', () => {
    const w: ImportWarning = { code: 'unresolved_reference', subject: asset, details: { ref: { type: 'Pipeline', name: 'load' } } };
    expect(snapLogicWarningMessage(w)).toBe('If this task gets imported, it will be disabled as there is no pipeline found.');
    expect(TASK_WITHOUT_PIPELINE_WARNING).toBe('If this task gets imported, it will be disabled as there is no pipeline found.');
  });

  it('the SnapLogic dialect words every other warning in the same manner', () => {
    const db = { type: 'Account' as const, name: 'db', source_id: 's2' };
    expect(snapLogicWarningMessage({ code: 'unresolved_reference', subject: { type: 'Pipeline', name: 'p', source_id: 's3' }, details: { ref: { type: 'Account', name: 'db' } } })).toBe(
      "If this Pipeline gets imported, it will be disabled as there is no Account 'db' found.",
    );
    expect(snapLogicWarningMessage({ code: 'secret_unavailable', subject: db, details: { fields: ['password', 'token'] } })).toBe(
      'If this Account gets imported, it will be disabled as its secret fields password, token cannot be decrypted and no account override supplies them.',
    );
    expect(snapLogicWarningMessage({ code: 'override_not_applied', subject: db, details: { fields: ['password'] } })).toContain('is not applied');
    expect(snapLogicWarningMessage({ code: 'expression_ignored', subject: { file: 'a/readme.txt' }, details: {} })).toContain('"a/readme.txt"');
    expect(snapLogicWarningMessage({ code: 'expression_duplicate', subject: { file: 'b/lib.expr' }, details: { first: 'a/lib.expr' } })).toContain('"a/lib.expr" has the same file name');
  });
});
