import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedFromTemplate } from './pglite-template.js';

const root = mkdtempSync(join(tmpdir(), 'assetport-seed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The files of a small data directory: one ending in a long run of zeros (like a log segment), one ending in a short one, one empty. */
const files: Record<string, Buffer> = {
  PG_VERSION: Buffer.from('17\n'),
  'pg_wal/000000010000000000000001': Buffer.concat([Buffer.alloc(10_000, 7), Buffer.alloc(1024 * 1024)]),
  'base/1/1255': Buffer.concat([Buffer.alloc(8192, 1), Buffer.alloc(100)]),
  'base/1/empty': Buffer.alloc(0),
};

/** A gzipped ustar archive of `files`, as PGlite's dump gives it. */
function archive(): string {
  const src = join(root, 'src');
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), data);
  }
  const file = join(root, 'template.tar.gz');
  execFileSync('tar', ['--format=ustar', '-czf', file, '-C', src, '.']);
  return file;
}

describe('seeding a data directory from the template', () => {
  it('writes every file byte for byte; a long run of trailing zeros becomes a hole of the same length', () => {
    const dir = join(root, 'pgdata');
    expect(seedFromTemplate(dir, { archive: archive(), versions: [1] })).toBe(true);
    for (const [name, data] of Object.entries(files)) {
      expect(readFileSync(join(dir, name)).equals(data), name).toBe(true);
      expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
    }
    const wal = statSync(join(dir, 'pg_wal/000000010000000000000001'));
    expect(wal.size).toBe(files['pg_wal/000000010000000000000001']!.length);
    // The zeros were not written: the file holds fewer blocks than its length needs.
    expect(wal.blocks * 512).toBeLessThan(wal.size / 2);
  });

  it('leaves a directory that is not empty alone', () => {
    const dir = join(root, 'existing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'PG_VERSION'), 'mine');
    expect(seedFromTemplate(dir, { archive: archive(), versions: [1] })).toBe(false);
    expect(readFileSync(join(dir, 'PG_VERSION'), 'utf8')).toBe('mine');
  });
});
