import { describe, expect, it } from 'vitest';
import { parseBoolean, parseExportOptions, parseImportOptions, parseMigrateBody } from './options.js';

const codeAndMessage = (f: () => unknown): [string, string] => {
  try {
    f();
  } catch (e) {
    return [(e as { code: string }).code, (e as Error).message];
  }
  throw new Error('did not throw');
};

describe('SnapLogic import options', () => {
  it('maps every duplicate_check value, any case, and refuses others naming the parameter', () => {
    expect(parseImportOptions({})).toMatchObject({ duplicateCheck: 'absent', refuseExisting: true, createNew: false });
    expect(parseImportOptions({ duplicate_check: 'Skip' })).toMatchObject({ duplicateCheck: 'skip', refuseExisting: false, createNew: false, policy: { Pipeline: 'skip-as-failed' } });
    expect(parseImportOptions({ duplicate_check: 'TRUE' }).policy.Account).toBe('skip-as-failed');
    expect(parseImportOptions({ duplicate_check: 'false' })).toMatchObject({ createNew: true, refuseExisting: false });
    expect(parseImportOptions({ duplicate_check: 'create_new' })).toMatchObject({ createNew: true });
    expect(codeAndMessage(() => parseImportOptions({ duplicate_check: 'maybe' }))).toEqual(['invalid_parameter', expect.stringContaining('duplicate_check')]);
    expect(codeAndMessage(() => parseImportOptions({ duplicate_check: ['skip', 'skip'] }))).toEqual(['invalid_parameter', 'duplicate_check: give it once.']);
  });

  it('overwrite_types: comma lists and repeated parameters alike, case-insensitive; Policy always overwritten; unknown names refused', () => {
    const a = parseImportOptions({ duplicate_check: 'overwrite', overwrite_types: 'pipeline, Job' }).policy;
    const b = parseImportOptions({ duplicate_check: 'overwrite', overwrite_types: ['Pipeline', 'job'] }).policy;
    expect(a).toEqual(b);
    expect(a).toMatchObject({ Pipeline: 'overwrite', Task: 'overwrite', Policy: 'overwrite', Account: 'keep', File: 'keep', Flow: 'keep', Expression: 'keep' });
    expect(parseImportOptions({ duplicate_check: 'overwrite', overwrite_types: 'Flows,Account,File' }).policy).toMatchObject({ Flow: 'overwrite', Account: 'overwrite', File: 'overwrite', Pipeline: 'keep' });
    expect(codeAndMessage(() => parseImportOptions({ overwrite_types: 'Pipeline,Widget' }))).toEqual(['invalid_parameter', expect.stringContaining("overwrite_types: 'Widget'")]);
    // Only SnapLogic's names of the list: the registry's other names for these types are not among them.
    for (const alias of ['Task', 'Flow', 'Expression', 'expr']) expect(codeAndMessage(() => parseImportOptions({ duplicate_check: 'overwrite', overwrite_types: alias }))).toEqual(['invalid_parameter', expect.stringContaining(`overwrite_types: '${alias}' is not an asset type`)]);
    expect(codeAndMessage(() => parseExportOptions({ asset_types: 'Task' }))).toEqual(['invalid_parameter', expect.stringContaining("asset_types: 'Task'")]);
    expect(codeAndMessage(() => parseImportOptions({ prefix: 'x' }))).toEqual(['invalid_parameter', expect.stringContaining("Unknown parameter 'prefix'")]);
  });
});

describe('SnapLogic export options and booleans', () => {
  it('asset_types All (any case) is everything; a list selects types, File with expression files', () => {
    expect(parseExportOptions({ asset_types: 'All', force: 'True' })).toEqual({ force: true });
    expect(parseExportOptions({ asset_types: 'all' })).toEqual({ force: false });
    expect(parseExportOptions({ asset_types: ['Job', 'File'] })).toEqual({ types: ['Task', 'File', 'Expression'], force: false });
    expect(codeAndMessage(() => parseExportOptions({ asset_types: ',' }))).toEqual(['invalid_parameter', expect.stringContaining('asset_types')]);
  });

  it('booleans: true/false, 1/0, yes/no in any case; anything else names the parameter', () => {
    for (const t of ['true', 'True', 'TRUE', '1', 'yes']) expect(parseBoolean(t, 'force', false)).toBe(true);
    for (const f of ['false', 'False', '0', 'no']) expect(parseBoolean(f, 'force', true)).toBe(false);
    expect(parseBoolean(undefined, 'force', true)).toBe(true);
    expect(codeAndMessage(() => parseBoolean('perhaps', 'force', false))).toEqual(['invalid_parameter', expect.stringContaining('force')]);
  });
});

describe('SnapLogic migrate body', () => {
  it('reads dest_path with or without the leading slash, asset_types, duplicate_check and async', () => {
    expect(parseMigrateBody({ dest_path: '/prod/Team/etl', asset_types: 'Pipeline,Job', duplicate_check: 'skip', async: true })).toMatchObject({ dest: { org: 'prod', projectSpace: 'Team', project: 'etl' }, types: ['Pipeline', 'Task'], duplicateCheck: 'skip', async: true });
    expect(parseMigrateBody({ dest_path: 'prod/shared/etl 2/', duplicate_check: false })).toMatchObject({ dest: { project: 'etl 2' }, createNew: true, async: false });
    expect(codeAndMessage(() => parseMigrateBody({ dest_path: '/prod/etl' }))).toEqual(['invalid_parameter', expect.stringContaining('dest_path')]);
    expect(codeAndMessage(() => parseMigrateBody({ dest_path: '/a/b/c', extra: 1 }))).toEqual(['invalid_parameter', expect.stringContaining("'extra'")]);
    expect(codeAndMessage(() => parseMigrateBody([]))).toEqual(['invalid_parameter', expect.stringContaining('JSON object')]);
  });
});
