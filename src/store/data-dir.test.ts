import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOwnerOnly, ownerOnlyFromNowOn } from './data-dir.js';

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);

describe.skipIf(process.platform === 'win32')('the data directory is owner-only', () => {
  const dirs: string[] = [];
  const savedUmask = process.umask();
  afterEach(() => {
    process.umask(savedUmask);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const temp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'assetport-dd-'));
    dirs.push(d);
    return d;
  };

  it('tightens the directory and every file and folder under the named entries; leaves other entries and links alone', async () => {
    const root = temp();
    const data = join(root, 'data');
    mkdirSync(join(data, 'pgdata', 'base', '5'), { recursive: true });
    writeFileSync(join(data, 'master.key'), 'k');
    writeFileSync(join(data, 'pgdata', 'PG_VERSION'), '17');
    writeFileSync(join(data, 'pgdata', 'base', '5', '1259'), 'x');
    writeFileSync(join(data, 'notes.sh'), 'echo');
    writeFileSync(join(root, 'outside'), 'o');
    chmodSync(join(root, 'outside'), 0o644);
    symlinkSync(join(root, 'outside'), join(data, 'pgdata', 'link'));
    for (const p of ['', 'pgdata', 'pgdata/base', 'pgdata/base/5']) chmodSync(join(data, p), 0o777);
    for (const p of ['master.key', 'pgdata/PG_VERSION', 'pgdata/base/5/1259']) chmodSync(join(data, p), 0o666);
    chmodSync(join(data, 'notes.sh'), 0o755);

    const t = makeOwnerOnly(data, ['master.key', 'pgdata', 'missing']);
    expect(t.failed).toEqual([]);
    expect(t.changed).toHaveLength(7);
    for (const p of ['', 'pgdata', 'pgdata/base', 'pgdata/base/5']) expect(mode(join(data, p)), p).toBe('700');
    for (const p of ['master.key', 'pgdata/PG_VERSION', 'pgdata/base/5/1259']) expect(mode(join(data, p)), p).toBe('600');
    expect(mode(join(data, 'notes.sh'))).toBe('755');
    expect(mode(join(root, 'outside'))).toBe('644');
    expect((makeOwnerOnly(data, ['master.key', 'pgdata'])).changed).toEqual([]);
  });

  it('does nothing for a directory that does not exist', async () => {
    const missing = join(temp(), 'nope');
    expect(makeOwnerOnly(missing, ['pgdata'])).toEqual({ changed: [], failed: [] });
    expect(() => statSync(missing)).toThrow();
  });

  it('from then on, files and folders the process creates are owner-only whatever mode they ask for', () => {
    const d = temp();
    ownerOnlyFromNowOn();
    writeFileSync(join(d, 'f'), 'x', { mode: 0o666 });
    mkdirSync(join(d, 'sub'), { mode: 0o777 });
    expect(mode(join(d, 'f'))).toBe('600');
    expect(mode(join(d, 'sub'))).toBe('700');
  });
});
