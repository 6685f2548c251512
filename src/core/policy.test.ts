import { describe, expect, it } from 'vitest';
import { ROMA_TYPES, SNAPLOGIC_TYPES, assetTypeInfo } from './asset-types.js';
import { policyFor, romaPolicy, romaPrefix, snapLogicPolicy } from './policy.js';

describe('policyFor', () => {
  it('uses the explicit policy when given', () => {
    expect(policyFor({ policy: { Pipeline: 'fail' } }, 'Pipeline')).toBe('fail');
  });

  it.each([...ROMA_TYPES, ...SNAPLOGIC_TYPES])('falls back to the registry default for %s', (type) => {
    expect(policyFor({}, type)).toBe(assetTypeInfo(type).conflictDefault);
    expect(policyFor({ policy: {} }, type)).toBe(assetTypeInfo(type).conflictDefault);
  });

  it('concrete registry defaults: a promotion replaces changed work, each environment keeps its credentials', () => {
    expect(policyFor({}, 'application')).toBe('overwrite');
    expect(policyFor({}, 'task')).toBe('overwrite');
    expect(policyFor({}, 'Pipeline')).toBe('overwrite');
    expect(policyFor({}, 'Task')).toBe('overwrite');
    expect(policyFor({}, 'File')).toBe('overwrite');
    expect(policyFor({}, 'Flow')).toBe('overwrite');
    expect(policyFor({}, 'datasource')).toBe('keep');
    expect(policyFor({}, 'Account')).toBe('keep');
    expect(policyFor({}, 'Policy')).toBe('overwrite');
  });
});

describe('romaPolicy', () => {
  it('AddNew: fail on applications and tasks, registry defaults for the rest', () => {
    expect(romaPolicy({ mode: 'AddNew', datasourceOverwrite: false })).toEqual({
      application: 'fail-if-exists',
      datasource: 'keep',
      api: 'overwrite',
      function: 'overwrite',
      topic: 'overwrite',
      product: 'overwrite',
      task: 'fail-if-exists',
    });
  });

  it('AddNew ignores datasource_overwrite', () => {
    expect(romaPolicy({ mode: 'AddNew', datasourceOverwrite: true })).toEqual(romaPolicy({ mode: 'AddNew', datasourceOverwrite: false }));
  });

  it('Merge: overwrite everything, data sources kept unless datasource_overwrite', () => {
    expect(romaPolicy({ mode: 'Merge', datasourceOverwrite: false })).toEqual({
      application: 'overwrite',
      datasource: 'keep',
      api: 'overwrite',
      function: 'overwrite',
      topic: 'overwrite',
      product: 'overwrite',
      task: 'overwrite',
    });
    expect(romaPolicy({ mode: 'Merge', datasourceOverwrite: true }).datasource).toBe('overwrite');
  });

  it('lists ROMA types only', () => {
    expect(Object.keys(romaPolicy({ mode: 'Merge', datasourceOverwrite: true })).sort()).toEqual([...ROMA_TYPES].sort());
  });
});

describe('romaPrefix', () => {
  it('applies to applications and tasks; none when absent or empty', () => {
    expect(romaPrefix('dev')).toEqual({ value: 'dev', types: ['application', 'task'] });
    expect(romaPrefix('')).toBeUndefined();
    expect(romaPrefix(undefined)).toBeUndefined();
  });
});

describe('snapLogicPolicy', () => {
  it.each(['skip', 'true'] as const)('%s: skip-as-failed for every type, the package\'s expression files too', (duplicateCheck) => {
    expect(snapLogicPolicy({ duplicateCheck, overwriteTypes: ['Pipeline'] })).toEqual({
      Account: 'skip-as-failed',
      File: 'skip-as-failed',
      Pipeline: 'skip-as-failed',
      Task: 'skip-as-failed',
      Policy: 'skip-as-failed',
      Flow: 'skip-as-failed',
      Expression: 'skip-as-failed',
    });
  });

  it('overwrite: listed types overwritten, others kept, Policy always overwritten', () => {
    expect(snapLogicPolicy({ duplicateCheck: 'overwrite', overwriteTypes: ['Pipeline', 'Task'] })).toEqual({
      Account: 'keep',
      File: 'keep',
      Pipeline: 'overwrite',
      Task: 'overwrite',
      Policy: 'overwrite',
      Flow: 'keep',
      Expression: 'keep',
    });
  });

  it('overwrite with no listed types keeps everything but Policy', () => {
    expect(snapLogicPolicy({ duplicateCheck: 'overwrite' })).toEqual({
      Account: 'keep',
      File: 'keep',
      Pipeline: 'keep',
      Task: 'keep',
      Policy: 'overwrite',
      Flow: 'keep',
      Expression: 'keep',
    });
  });

  it('overwrite with Account and Flow listed', () => {
    const p = snapLogicPolicy({ duplicateCheck: 'overwrite', overwriteTypes: ['Account', 'Flow', 'File'] });
    expect([p.Account, p.Flow, p.File, p.Expression, p.Pipeline, p.Task]).toEqual(['overwrite', 'overwrite', 'overwrite', 'overwrite', 'keep', 'keep']);
  });

  it.each(['create_new', 'false', 'absent'] as const)('%s: the target is empty; anything found fails', (duplicateCheck) => {
    expect(snapLogicPolicy({ duplicateCheck })).toEqual({
      Account: 'fail',
      File: 'fail',
      Pipeline: 'fail',
      Task: 'fail',
      Policy: 'fail',
      Flow: 'fail',
      Expression: 'fail',
    });
  });
});
