import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { changedPaths, diffPackages, renderDiff, type DiffAsset } from './diff.js';

const asset = (over: Partial<DiffAsset>): DiffAsset => ({ type: 'Pipeline', name: 'p', status: 'enabled', refs: [], sha256: 'a', body: {}, ...over });

describe('package diff', () => {
  it('finds the JSON paths that differ, stopping where a value is replaced whole', () => {
    expect(changedPaths({ a: 1, b: { c: [1, 2], d: 'x' }, 'odd key': 1 }, { a: 1, b: { c: [1, 3], d: 'y' }, 'odd key': 2, e: null })).toEqual([
      'body.b.c[1]',
      'body.b.d',
      'body.e',
      'body["odd key"]',
    ]);
    expect(changedPaths([1, 2], [1, 2, 3])).toEqual(['body']);
    expect(changedPaths({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it('matches assets by type and name: added, removed, changed (with fields), unchanged', () => {
    const before = [
      asset({ name: 'same' }),
      asset({ name: 'gone' }),
      asset({ name: 'edited', sha256: '1', body: { settings: { host: 'a' } } }),
      asset({ type: 'Task', name: 'flags', status: 'enabled', refs: [{ type: 'Pipeline', name: 'p' }] }),
      asset({ type: 'File', name: 'f.csv', sha256: 'x', body: undefined }),
      asset({ type: 'Task', name: 'spaces', sha256: '1', body: { a: 1 } }),
    ];
    const after = [
      asset({ name: 'same' }),
      asset({ name: 'new' }),
      asset({ name: 'edited', sha256: '2', body: { settings: { host: 'b' } } }),
      asset({ type: 'Task', name: 'flags', status: 'disabled', refs: [] }),
      asset({ type: 'File', name: 'f.csv', sha256: 'y', body: undefined }),
      asset({ type: 'Task', name: 'spaces', sha256: '2', body: { a: 1 } }),
    ];
    const d = diffPackages(before, after);
    expect(d.summary).toEqual({ added: 1, removed: 1, changed: 4, unchanged: 1 });
    expect(d.changes).toEqual([
      { change: 'changed', type: 'File', name: 'f.csv', fields: ['content'] },
      { change: 'changed', type: 'Pipeline', name: 'edited', fields: ['body.settings.host'] },
      { change: 'removed', type: 'Pipeline', name: 'gone', fields: [] },
      { change: 'added', type: 'Pipeline', name: 'new', fields: [] },
      { change: 'changed', type: 'Task', name: 'flags', fields: ['status', 'refs'] },
      { change: 'changed', type: 'Task', name: 'spaces', fields: ['body (formatting only)'] },
    ]);
  });

  it('caps the paths listed for one asset', () => {
    const big = (v: number) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, v]));
    const d = diffPackages([asset({ sha256: '1', body: big(1) })], [asset({ sha256: '2', body: big(2) })]);
    expect(d.changes[0]!.fields).toHaveLength(21);
    expect(d.changes[0]!.fields.at(-1)).toBe('… 10 more');
  });

  it('renders a table and a summary line, without colour when told so', () => {
    const plain = pc.createColors(false);
    const text = renderDiff(diffPackages([asset({ name: 'gone' })], [asset({ name: 'new' })]), plain);
    expect(text).toMatch(/^-\s+removed\s+Pipeline\s+gone$/m);
    expect(text).toMatch(/^\+\s+added\s+Pipeline\s+new$/m);
    expect(text.split('\n').at(-1)).toBe('Diff: 1 added, 1 removed, 0 changed, 0 unchanged.');
    expect(renderDiff(diffPackages([asset({})], [asset({})]), plain)).toContain('The packages hold the same assets.');
  });
});
