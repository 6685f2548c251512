import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { hasChanges, planExitCode, renderPlan, type ImportReport, type ReportItem } from './render-plan.js';

const plain = pc.createColors(false);
const item = (over: Partial<ReportItem>): ReportItem => ({ type: 'Pipeline', name: 'p', action: 'create', status: 'enabled', warnings: [], ...over });
const report = (items: ReportItem[], over: Partial<ImportReport> = {}): ImportReport => {
  const summary = { create: 0, update: 0, unchanged: 0, keep: 0, skip: 0, conflict: 0, disabled: 0 };
  for (const i of items) summary[i.action] += 1;
  return { ok: true, dry_run: true, space_id: 's', policies: {}, summary, items, warnings: [], problems: [], account_updates: [], ...over };
};

describe('plan rendering', () => {
  it('lists what changes with a sign per action, a rename and a disabled note, and hides unchanged assets', () => {
    const r = report([
      item({ name: 'v2_load', renamed_from: 'load', action: 'create' }),
      item({ type: 'Task', name: 'books', action: 'update', status: 'disabled', warnings: [{ code: 'unresolved_reference', message: "Task 'books' would be imported disabled: …" }] }),
      item({ type: 'Account', name: 'db', action: 'keep' }),
      item({ type: 'File', name: 'a.csv', action: 'skip', failed: { status_code: 409, reason: "File 'a.csv' already exists" } }),
      item({ name: 'same', action: 'unchanged' }),
    ], { warnings: [{ code: 'unresolved_reference', message: "Task 'books' would be imported disabled: …" }] });
    const text = renderPlan(r, { color: plain });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\s+ACTION\s+TYPE\s+NAME\s+NOTE$/);
    expect(lines.find((l) => l.includes('v2_load'))).toMatch(/^\+\s+create\s+Pipeline\s+v2_load\s+renamed from 'load'$/);
    expect(lines.find((l) => l.includes('books'))).toMatch(/^~\s+update\s+Task\s+books\s+would be disabled; 1 warning$/);
    expect(lines.find((l) => l.includes('db'))).toMatch(/^=\s+keep\s+Account\s+db$/);
    expect(lines.find((l) => l.includes('a.csv'))).toContain("File 'a.csv' already exists");
    expect(text).not.toMatch(/unchanged\s+Pipeline\s+same/);
    expect(text).toContain('(1 unchanged not shown; --all lists them)');
    expect(text).toContain("Warnings (1):\n  unresolved_reference: Task 'books' would be imported disabled");
    expect(lines.at(-1)).toBe('Plan: 1 to create, 1 to update, 1 unchanged, 1 to keep, 1 to skip.');
    expect(text).not.toContain('\u001b[');
    expect(renderPlan(r, { color: plain, all: true })).toMatch(/unchanged\s+Pipeline\s+same/);
  });

  it('shows conflicts and problems, and what a finished import did', () => {
    const refused = report([item({ action: 'conflict' })], { ok: false, problems: [{ code: 'conflict', message: "Pipeline 'p' already exists" }] });
    const text = renderPlan(refused, { color: plain });
    expect(text).toMatch(/^x\s+conflict\s+Pipeline\s+p$/m);
    expect(text).toContain("Problems (1) — nothing would be written:\n  conflict: Pipeline 'p' already exists");
    expect(text).toContain('1 conflict.');
    const done = renderPlan(report([item({ status: 'disabled' })], { dry_run: false }), { color: plain });
    expect(done).toContain('imported disabled');
    expect(done.split('\n').at(-1)).toBe('Imported: 1 created, 0 updated, 0 unchanged, 0 kept, 0 skipped.');
  });

  it('says when nothing would change, and colours only when asked', () => {
    const same = report([item({ action: 'unchanged' })]);
    expect(renderPlan(same, { color: plain })).toContain('No changes');
    expect(renderPlan(report([item({})]), { color: pc.createColors(true) })).toContain('\u001b[32m+');
  });

  it('exits 2 on a plan that cannot be applied; with --detailed-exitcode 0 / 2 / 1', () => {
    const none = report([item({ action: 'unchanged' })]);
    const changes = report([item({})]);
    const conflict = report([item({ action: 'conflict' })], { ok: false });
    expect([none, changes, conflict].map((r) => planExitCode(r, false))).toEqual([0, 0, 2]);
    expect([none, changes, conflict].map((r) => planExitCode(r, true))).toEqual([0, 2, 1]);
    expect(hasChanges(report([], { account_updates: [{ type: 'Account', name: 'db', fields: ['password'] }] }))).toBe(true);
    expect(hasChanges(report([], { created_space: { space_id: null, name: '1.01' } }))).toBe(true);
  });
});
