import { describe, expect, it } from 'vitest';
import { ASSET_TYPES, assetTypeInfo, byTier, isAssetType, mayReferTo, ROMA_TYPES, SNAPLOGIC_TYPES, typeFromOverwriteName, typeFromWireName, typesOfSide } from './asset-types.js';

describe('asset-type registry', () => {
  it('describes every type of both sides exactly once', () => {
    expect(ASSET_TYPES).toHaveLength(14);
    expect(new Set(ASSET_TYPES).size).toBe(14);
    for (const t of ROMA_TYPES) expect(assetTypeInfo(t).side).toBe('roma');
    for (const t of SNAPLOGIC_TYPES) expect(assetTypeInfo(t).side).toBe('snaplogic');
    expect(typesOfSide('roma')).toEqual([...ROMA_TYPES]);
  });

  it('does not treat inherited names as types', () => {
    expect(isAssetType('Pipeline')).toBe(true);
    expect(isAssetType('__proto__')).toBe(false);
    expect(isAssetType('constructor')).toBe(false);
    expect(isAssetType('toString')).toBe(false);
    expect(isAssetType('pipeline')).toBe(false);
  });

  it('maps wire names, exact case first, then case-insensitively within a side', () => {
    expect(typeFromWireName('Job')).toBe('Task');
    expect(typeFromWireName('Flows')).toBe('Flow');
    expect(typeFromWireName('task')).toBe('task');
    expect(typeFromWireName('Task')).toBe('Task');
    expect(typeFromWireName('TASK')).toBeUndefined(); // ambiguous across sides
    expect(typeFromWireName('TASK', 'roma')).toBe('task');
    expect(typeFromWireName('PIPELINE')).toBe('Pipeline');
    expect(typeFromWireName('nothing')).toBeUndefined();
  });

  it('maps SnapLogic overwrite_types names case-insensitively', () => {
    expect(typeFromOverwriteName('job')).toBe('Task');
    expect(typeFromOverwriteName(' Flows ')).toBe('Flow');
    expect(typeFromOverwriteName('ACCOUNT')).toBe('Account');
    expect(typeFromOverwriteName('File')).toBe('File');
    expect(typeFromOverwriteName('Policy')).toBe('Policy');
    expect(typeFromOverwriteName('application')).toBeUndefined();
    expect(typeFromOverwriteName('Widget')).toBeUndefined();
    for (const alias of ['Task', 'flow', 'Expression', 'expr']) expect(typeFromOverwriteName(alias)).toBeUndefined();
  });

  it('knows which references are allowed', () => {
    expect(mayReferTo('task', 'datasource')).toBe(true);
    expect(mayReferTo('Task', 'Pipeline')).toBe(true);
    expect(mayReferTo('Pipeline', 'Account')).toBe(true);
    expect(mayReferTo('datasource', 'application')).toBe(true);
    expect(mayReferTo('Account', 'Pipeline')).toBe(false);
    expect(mayReferTo('task', 'Pipeline')).toBe(false);
  });

  it('marks secret fields and binary content', () => {
    expect(assetTypeInfo('Account').secretFields).toContain('password');
    expect(assetTypeInfo('datasource').secretFields).toContain('client_secret');
    expect(assetTypeInfo('Pipeline').secretFields).toEqual([]);
    expect(assetTypeInfo('File').content).toBe('binary');
    expect(assetTypeInfo('Expression').content).toBe('binary');
    expect(assetTypeInfo('Policy').conflictDefault).toBe('overwrite');
  });

  it('orders types so that what is referred to comes first', () => {
    const sorted = [...ASSET_TYPES].sort(byTier);
    for (const t of ASSET_TYPES) {
      for (const r of assetTypeInfo(t).refersTo) {
        if (r !== t) expect(sorted.indexOf(r)).toBeLessThan(sorted.indexOf(t));
      }
    }
  });
});
