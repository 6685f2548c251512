import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MasterKeyError, loadMasterKeys, parseMasterKey, parseMasterKeyList } from './master-key.js';

const posix = process.platform !== 'win32';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assetport-mk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectMasterKeyError(fn: () => unknown, secretText: string): MasterKeyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MasterKeyError);
    const err = e as MasterKeyError;
    expect(err.message).toContain('ASSETPORT_MASTER_KEY');
    if (secretText) expect(err.message).not.toContain(secretText);
    return err;
  }
  throw new Error('expected a MasterKeyError');
}

describe('parseMasterKey / parseMasterKeyList', () => {
  const k = randomBytes(32);

  it('accepts 64 hex characters (either case)', () => {
    expect(parseMasterKey(k.toString('hex'))?.equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('hex').toUpperCase())?.equals(k)).toBe(true);
  });

  it('accepts base64 and base64url of 32 bytes, padded or not', () => {
    const b64 = k.toString('base64');
    expect(parseMasterKey(b64)?.equals(k)).toBe(true);
    expect(parseMasterKey(b64.replace(/=$/, ''))?.equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('base64url'))?.equals(k)).toBe(true);
  });

  it('rejects other lengths and garbage', () => {
    for (const bad of ['', 'abc', randomBytes(31).toString('hex'), randomBytes(33).toString('hex'), randomBytes(16).toString('base64'),
      randomBytes(48).toString('base64'), 'z'.repeat(64), '!'.repeat(43), k.toString('hex') + ' ']) {
      expect(parseMasterKey(bad)).toBeNull();
    }
    // non-canonical: the last base64 character carries stray bits
    const b64 = k.toString('base64url');
    const last = b64.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    expect(parseMasterKey(b64.slice(0, -1) + sibling)).toBeNull();
  });

  it('parses a comma-separated list, current first, blanks around entries ignored, duplicates dropped', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parseMasterKeyList(` ${a.toString('hex')} , ${b.toString('base64')},${a.toString('base64url')}`);
    expect(keys).toHaveLength(2);
    expect(keys[0]?.equals(a)).toBe(true);
    expect(keys[1]?.equals(b)).toBe(true);
  });

  it('names the variable and the entry but never echoes the value', () => {
    const secretish = 'my-super-secret-passphrase';
    const err = expectMasterKeyError(() => parseMasterKeyList(`${k.toString('hex')},${secretish}`), secretish);
    expect(err.message).toContain('entry 2 of 2');
    expectMasterKeyError(() => parseMasterKeyList(`${k.toString('hex')},`), '');
    expectMasterKeyError(() => parseMasterKeyList(randomBytes(31).toString('hex')), '');
    expectMasterKeyError(() => parseMasterKeyList(k.toString('hex').slice(0, 63) + 'g'), k.toString('hex').slice(0, 20));
  });
});

describe('loadMasterKeys', () => {
  it('uses the environment value when set', async () => {
    const k = randomBytes(32);
    const r = await loadMasterKeys({ envValue: k.toString('hex'), dataDir: join(dir, 'data') });
    expect(r.source).toBe('env');
    expect(r.generated).toBe(false);
    expect(r.keys[0]?.equals(k)).toBe(true);
    await expect(stat(join(dir, 'data', 'master.key'))).rejects.toThrow();
  });

  it('rejects a bad environment value with MasterKeyError', async () => {
    await expect(loadMasterKeys({ envValue: 'nope', dataDir: dir })).rejects.toBeInstanceOf(MasterKeyError);
  });

  it('treats an empty or blank environment value as unset', async () => {
    const r = await loadMasterKeys({ envValue: '  ', dataDir: dir });
    expect(r.source).toBe('file');
  });

  it('generates master.key (hex, mode 0600) in a data directory it creates, then reuses it', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const first = await loadMasterKeys({ dataDir });
    expect(first).toMatchObject({ source: 'file', generated: true });
    expect(first.keys).toHaveLength(1);
    const path = join(dataDir, 'master.key');
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}\n$/);
    expect(Buffer.from(text.trim(), 'hex').equals(first.keys[0] as Buffer)).toBe(true);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600);

    const second = await loadMasterKeys({ dataDir });
    expect(second.generated).toBe(false);
    expect(second.keys[0]?.equals(first.keys[0] as Buffer)).toBe(true);
  });

  it('two loads started at once agree on one key, and exactly one generated it', async () => {
    for (let round = 0; round < 10; round++) {
      const dataDir = join(dir, `race-${round}`);
      const results = await Promise.all([loadMasterKeys({ dataDir }), loadMasterKeys({ dataDir }), loadMasterKeys({ dataDir })]);
      const hexes = new Set(results.map((r) => r.keys[0]?.toString('hex')));
      expect(hexes.size).toBe(1);
      expect(results.filter((r) => r.generated)).toHaveLength(1);
      expect((await readFile(join(dataDir, 'master.key'), 'utf8')).trim()).toBe([...hexes][0]);
    }
  });

  it.runIf(posix)('tightens a key file readable by others to 0600', async () => {
    const path = join(dir, 'master.key');
    const k = randomBytes(32);
    await writeFile(path, k.toString('hex') + '\n');
    await chmod(path, 0o644);
    const r = await loadMasterKeys({ dataDir: dir });
    expect(r.keys[0]?.equals(k)).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('reads several keys from the file (first is current), skipping comments and blank lines', async () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    await writeFile(join(dir, 'master.key'), `# rotated 2024-01\n${a.toString('hex')}\n\n${b.toString('base64')}\n`, { mode: 0o600 });
    const r = await loadMasterKeys({ dataDir: dir });
    expect(r.keys.map((x) => x.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
  });

  it('refuses a malformed key file, naming the path but not the content', async () => {
    const path = join(dir, 'master.key');
    await writeFile(path, 'this-is-not-a-key-but-might-be-a-secret\n', { mode: 0o600 });
    const err = await loadMasterKeys({ dataDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MasterKeyError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).not.toContain('might-be-a-secret');
  });

  it('refuses a key file that stays empty (after waiting for a concurrent writer)', async () => {
    await writeFile(join(dir, 'master.key'), '', { mode: 0o600 });
    await expect(loadMasterKeys({ dataDir: dir })).rejects.toBeInstanceOf(MasterKeyError);
  });
});
