import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../service/imports.js';
import type { JobRow } from '../../service/jobs.js';
import { migrationStatus, responseMapOf } from './views.js';

const item = (o: Partial<ImportReport['items'][number]>): ImportReport['items'][number] => ({ source_id: 's'.repeat(24), asset_id: 'a'.repeat(24), type: 'Pipeline', name: 'p', source_name: 'p', action: 'create', status: 'enabled', warnings: [], ...o });

const report = (o: Partial<ImportReport>): ImportReport => ({
  ok: true,
  dry_run: false,
  space_id: 'x',
  policies: { Pipeline: 'overwrite', Task: 'keep' },
  summary: { create: 0, update: 0, unchanged: 0, keep: 0, skip: 0, conflict: 0, disabled: 0 },
  items: [],
  warnings: [],
  problems: [],
  account_updates: [],
  ...o,
});

describe('the SnapLogic response map', () => {
  it('lists written assets (and identical ones an overwrite covers) as successful, skipped ones as failed with 409, kept ones nowhere', () => {
    const r = report({
      items: [
        item({ name: 'new', asset_id: '1'.repeat(24) }),
        item({ name: 'same', action: 'unchanged', asset_id: '2'.repeat(24) }),
        item({ name: 'kept', type: 'Task', action: 'unchanged', asset_id: '3'.repeat(24) }),
        item({ name: 'left', type: 'Task', action: 'keep', asset_id: '4'.repeat(24) }),
        item({ name: 'taken', action: 'skip', asset_id: '5'.repeat(24), failed: { status_code: 409, reason: "Pipeline 'taken' already exists" } }),
      ],
      account_updates: [{ asset_id: '6'.repeat(24), type: 'Account', name: 'db', fields: ['password'] }],
    });
    expect(responseMapOf(r)).toEqual({
      successful: [
        { snode_id: '1'.repeat(24), name: 'new' },
        { snode_id: '2'.repeat(24), name: 'same' },
        { snode_id: '6'.repeat(24), name: 'db' },
      ],
      failed: [{ reason: "Pipeline 'taken' already exists", snode_id: '5'.repeat(24), name: 'taken', status_code: 409 }],
      warnings: [],
    });
  });

  it("an identical asset is successful when its own policy overwrites (a file_expr file), whatever its type's", () => {
    const r = report({
      policies: { Expression: 'skip-as-failed' },
      items: [
        item({ name: 'lib.expr', type: 'Expression', action: 'unchanged', policy: 'overwrite', asset_id: '1'.repeat(24) }),
        item({ name: 'pkg.expr', type: 'Expression', action: 'skip', asset_id: '2'.repeat(24), failed: { status_code: 409, reason: "Expression 'pkg.expr' already exists" } }),
      ],
    });
    expect(responseMapOf(r)).toEqual({
      successful: [{ snode_id: '1'.repeat(24), name: 'lib.expr' }],
      failed: [{ reason: "Expression 'pkg.expr' already exists", snode_id: '2'.repeat(24), name: 'pkg.expr', status_code: 409 }],
      warnings: [],
    });
  });

  it('gives warnings the asset id in the target, and notices without one', () => {
    const r = report({
      items: [item({ source_id: 'b'.repeat(24), asset_id: 'c'.repeat(24), type: 'Task', name: 'books' })],
      warnings: [
        { code: 'expression_duplicate', subject: { file: 'b/lib.expr' }, details: { first: 'a/lib.expr' } },
        { code: 'unresolved_reference', subject: { source_id: 'b'.repeat(24), type: 'Task', name: 'books' }, details: { ref: { type: 'Pipeline', name: 'load' } } },
      ],
    });
    expect(responseMapOf(r).warnings).toEqual([
      { name: 'b/lib.expr', message: '"b/lib.expr" was not imported: "a/lib.expr" has the same file name and comes first in the archive.' },
      { snode_id: 'c'.repeat(24), name: 'books', message: 'If this task gets imported, it will be disabled as there is no pipeline found.' },
    ]);
  });

  it('shows a migration as Started, Completed (with its result) or Failed (with its reasons)', () => {
    const job = (state: JobRow['state'], o: Partial<JobRow> = {}) => ({ id: 'j'.repeat(32), state, reasons: [], result: null, ...o }) as unknown as JobRow;
    expect(migrationStatus(job('QUEUED')).response_map).toEqual({ status: 'Started', status_token: 'j'.repeat(32) });
    expect(migrationStatus(job('RUNNING')).response_map.status).toBe('Started');
    expect(migrationStatus(job('SUCCEEDED', { result: report({ items: [item({})] }) })).response_map).toMatchObject({ status: 'Completed', successful: [{ name: 'p' }], failed: [], warnings: [] });
    expect(migrationStatus(job('FAILED', { reasons: [{ code: 'conflict', message: 'exists' }] })).response_map).toMatchObject({ status: 'Failed', error_list: [{ message: 'exists' }] });
    expect(migrationStatus(job('CANCELLED')).response_map).toMatchObject({ status: 'Failed', error_list: [{ message: 'The migration was cancelled.' }] });
  });
});
