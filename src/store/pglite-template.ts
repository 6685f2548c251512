/**
 * A pre-migrated embedded database, made once when the package is built, so that a first
 * start does not create a database cluster (PGlite's initdb: most of a first start) nor run
 * every migration.
 *
 * The build writes two files beside the compiled migrator: `pgdata-template.tar.gz` (the
 * data directory of a new PGlite database with the shipped migrations applied, as PGlite's
 * `dumpDataDir('gzip')` gives it) and `pgdata-template.json` (the migrations it holds: each
 * one's version, name and SHA-256 of its SQL). A start whose embedded database directory
 * does not exist yet, or is empty, unpacks the template there when the migrations it holds
 * are the first ones of those shipped, unchanged; the migrator then applies any newer
 * ones. Otherwise (no template, a stale one, a directory that is not empty) the database is
 * created and migrated as before.
 *
 * The template is unpacked into a sibling directory and renamed into place, so a start that
 * dies half-way leaves no half-made database behind.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Migration } from './migrate.js';

/**
 * Where the build puts the template (dist/store). Running from the sources (src/store), the
 * built one in dist/store is used when it is there: it is only taken when its migrations
 * are those of the sources, unchanged.
 */
const HERE = fileURLToPath(new URL('./', import.meta.url));
const DEFAULT_DIR = /[/\\]src[/\\]store[/\\]$/.test(HERE) ? join(HERE, '../../dist/store') : HERE;
const ARCHIVE = 'pgdata-template.tar.gz';
const INFO = 'pgdata-template.json';

export interface TemplateMigration {
  version: number;
  name: string;
  sha256: string;
}

/** A template usable for the shipped migrations: its archive and the versions it holds. */
export interface PGliteTemplate {
  archive: string;
  versions: number[];
}

const describeMigrations = (ms: readonly Migration[]): TemplateMigration[] =>
  ms.map((m) => ({ version: m.version, name: m.name, sha256: createHash('sha256').update(m.sql).digest('hex') }));

/** Writes the template files into `dir` from a migrated database's gzipped dump. */
export function writeTemplate(dir: string, dump: Uint8Array, migrations: readonly Migration[]): void {
  writeFileSync(join(dir, ARCHIVE), dump);
  writeFileSync(join(dir, INFO), `${JSON.stringify({ migrations: describeMigrations(migrations) }, null, 2)}\n`);
}

/**
 * The template in `dir` when the migrations it holds are the first of `shipped`, each the
 * same (version, name and SQL); undefined when there is none or it is stale.
 */
export function usableTemplate(shipped: readonly Migration[], dir = DEFAULT_DIR): PGliteTemplate | undefined {
  const archive = join(dir, ARCHIVE);
  let held: TemplateMigration[];
  try {
    held = (JSON.parse(readFileSync(join(dir, INFO), 'utf8')) as { migrations: TemplateMigration[] }).migrations;
  } catch {
    return undefined;
  }
  if (!Array.isArray(held) || held.length === 0 || held.length > shipped.length || !existsSync(archive)) return undefined;
  const want = describeMigrations(shipped.slice(0, held.length));
  const same = held.every((h, i) => h.version === want[i]!.version && h.name === want[i]!.name && h.sha256 === want[i]!.sha256);
  return same ? { archive, versions: held.map((h) => h.version) } : undefined;
}

const isEmptyOrAbsent = (dir: string): boolean => !existsSync(dir) || readdirSync(dir).length === 0;

/** The files and folders of a tar archive (the ustar subset PGlite writes: files and folders only). */
function* tarEntries(tar: Buffer): Generator<{ path: string; dir: boolean; data: Buffer }> {
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) return;
    const field = (from: number, len: number): string => h.toString('utf8', from, from + len).replace(/\0.*$/s, '');
    const sum = h.reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0);
    if (Number.parseInt(field(148, 8).trim(), 8) !== sum) throw new Error('the template archive is damaged (header checksum)');
    const prefix = field(345, 155);
    const path = normalize((prefix ? `${prefix}/` : '') + field(0, 100)).replace(/^\/+/, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    if (path.split('/').includes('..') || (type !== '0' && type !== '5')) throw new Error(`the template archive holds an unexpected entry: ${path}`);
    yield { path, dir: type === '5', data: tar.subarray(at + 512, at + 512 + size) };
    at += 512 + Math.ceil(size / 512) * 512;
  }
}

/**
 * Inflates a gzip file into one buffer of the size its trailer gives (else zlib inflates
 * into 16 KiB pieces and joins them: a second copy of the ~40 MB template).
 */
function gunzipWhole(gz: Buffer): Buffer {
  const size = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  return gunzipSync(gz, size >= 64 * 1024 && size <= 1024 ** 3 ? { chunkSize: size } : {});
}

/** Trailing zeros at least this long are left as a hole in the file rather than written. */
const HOLE_MIN = 64 * 1024;

const ZEROS = Buffer.alloc(4096);

/** Where the run of zero bytes that ends `data` starts. */
function zeroTailStart(data: Buffer): number {
  let end = data.length;
  while (end >= ZEROS.length && data.subarray(end - ZEROS.length, end).equals(ZEROS)) end -= ZEROS.length;
  while (end > 0 && data[end - 1] === 0) end -= 1;
  return end;
}

/**
 * Writes one file of the database, owner-only. Its trailing zeros (most of the 16 MiB
 * write-ahead log segment) become a hole of the same length: reading it gives the same
 * zeros, without writing them.
 */
function writeDataFile(to: string, data: Buffer): void {
  const end = zeroTailStart(data);
  if (data.length - end < HOLE_MIN) {
    writeFileSync(to, data, { mode: 0o600 });
    return;
  }
  const fd = openSync(to, 'w', 0o600);
  try {
    for (let at = 0; at < end; ) at += writeSync(fd, data, at, end - at);
    ftruncateSync(fd, data.length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Unpacks the template into `pgdataDir` when that does not exist or is empty; returns
 * whether it did. The caller holds the directory's lock.
 */
export function seedFromTemplate(pgdataDir: string, template: PGliteTemplate): boolean {
  if (!isEmptyOrAbsent(pgdataDir)) return false;
  const staging = `${pgdataDir}.seed-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    for (const e of tarEntries(gunzipWhole(readFileSync(template.archive)))) {
      const to = join(staging, e.path);
      if (e.dir) mkdirSync(to, { recursive: true, mode: 0o700 });
      else {
        mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
        writeDataFile(to, e.data);
      }
    }
    if (!existsSync(join(staging, 'PG_VERSION'))) throw new Error('the template archive holds no database');
    if (existsSync(pgdataDir)) rmdirSync(pgdataDir);
    renameSync(staging, pgdataDir);
    return true;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
