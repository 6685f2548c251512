import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, importQuery, intOption, policyQuery, readAccountsFile, requireFile, splitList } from './options.js';
import { CliError } from './output.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof CliError ? `${e.code}/${e.exitCode}` : 'other';
  }
  return undefined;
};

describe('option parsing', () => {
  it('collects repeated options and splits comma lists', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
    expect(splitList(['Pipeline, Task', 'Account', ' ,'])).toEqual(['Pipeline', 'Task', 'Account']);
    expect(splitList(undefined)).toEqual([]);
  });

  it('turns --policy values into the API policy option', () => {
    expect(policyQuery(['overwrite'])).toBe('overwrite');
    expect(policyQuery(['Pipeline=overwrite', 'Account:keep'])).toBe('Pipeline:overwrite,Account:keep');
    expect(policyQuery(['Pipeline=overwrite,Task=fail'])).toBe('Pipeline:overwrite,Task:fail');
    expect(policyQuery(['Task=fail', 'Task=fail'])).toBe('Task:fail');
    expect(policyQuery([])).toBeUndefined();
  });

  it('refuses --policy values it cannot read, as usage errors (exit 2)', () => {
    expect(codeOf(() => policyQuery(['overwrite', 'Task=keep']))).toBe('usage/2');
    expect(codeOf(() => policyQuery(['Task=']))).toBe('usage/2');
    expect(codeOf(() => policyQuery(['=keep']))).toBe('usage/2');
    expect(codeOf(() => policyQuery(['Task=keep', 'Task=fail']))).toBe('usage/2');
  });

  it('builds the import query (dry run, prefix, prefix types, create new)', () => {
    expect(importQuery({ policy: ['Pipeline=overwrite'], prefix: 'v2_', prefixTypes: ['Pipeline,Task'], createNew: true }, true)).toEqual({
      dry_run: 'true',
      policy: 'Pipeline:overwrite',
      prefix: 'v2_',
      prefix_types: 'Pipeline,Task',
      create_new: 'true',
    });
    expect(importQuery({}, false)).toEqual({});
    expect(codeOf(() => importQuery({ prefixTypes: ['Task'] }, false))).toBe('usage/2');
  });

  it('reads the accounts file, naming what is wrong with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'assetport-opts-'));
    try {
      writeFileSync(join(dir, 'ok.json'), '{"accounts": []}');
      writeFileSync(join(dir, 'bad.json'), '{"accounts": ');
      expect(readAccountsFile(join(dir, 'ok.json'))).toEqual({ accounts: [] });
      expect(readAccountsFile(undefined)).toBeUndefined();
      expect(codeOf(() => readAccountsFile(join(dir, 'bad.json')))).toBe('malformed_json/1');
      expect(codeOf(() => readAccountsFile(join(dir, 'missing.json')))).toBe('file_unreadable/1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks whole numbers within bounds', () => {
    expect(intOption('--limit', '20', 1, 500)).toBe(20);
    expect(intOption('--limit', undefined, 1, 500)).toBeUndefined();
    expect(codeOf(() => intOption('--limit', '0', 1, 500))).toBe('usage/2');
    expect(codeOf(() => intOption('--limit', '2.5', 1, 500))).toBe('usage/2');
  });
});

describe('files the commands read', () => {
  it('must exist and be files', () => {
    expect(requireFile('package.json')).toBe('package.json');
    expect(codeOf(() => requireFile('no-such-file.zip'))).toBe('file_unreadable/1');
    expect(codeOf(() => requireFile('src'))).toBe('file_unreadable/1');
  });
});
