/**
 * A new embedded database made from the pre-migrated template (src/store/pglite-template.ts):
 * a fresh data directory starts from it at the current schema; a template holding the first
 * of the shipped migrations is used and the newer ones applied; a stale template, or one
 * that is damaged, is not used and the database is created and migrated as without one; an
 * existing database is never overwritten (a later start from a usable template keeps it).
 * Always the embedded database (the template is for it only), whatever the suite runs on.
 *
 * The PostgreSQL pass leaves this file out: it runs on the embedded database in both.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openAndMigrate } from '../../src/server.js';
import { openDatabase } from '../../src/store/database.js';
import { loadMigrations, migrate, migrationsApplied, type Migration } from '../../src/store/migrate.js';
import { usableTemplate, writeTemplate } from '../../src/store/pglite-template.js';

const root = mkdtempSync(join(tmpdir(), 'assetport-tpl-'));
const shipped = loadMigrations();
let dump: Buffer;

/** A gzipped dump of a migrated database: the one the test run made, else one made here. */
async function migratedDump(): Promise<Buffer> {
  const saved = inject('pgliteMigratedArchive');
  if (saved) return readFileSync(saved);
  const lite = new PGlite();
  try {
    await migrate({ withScriptRunner: (fn) => fn(async (text) => void (await lite.exec(text))) });
    return Buffer.from(await (await lite.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await lite.close();
  }
}

/** A template directory holding `dump` as made for `migrations`. */
function templateDir(name: string, migrations: readonly Migration[], archive: Uint8Array = dump): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeTemplate(dir, archive, migrations);
  return dir;
}

/** Logs as JSON lines into an array. */
function capture(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void out.push(l) });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const silent = (): Logger => pino({ level: 'silent' });
const configFor = (dataDir: string) => loadConfig({ ASSETPORT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });

beforeAll(async () => {
  dump = await migratedDump();
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('which template is usable', () => {
  it('one made for the shipped migrations, or for the first of them; not one that differs or holds more', () => {
    expect(usableTemplate(shipped, templateDir('same', shipped))?.versions).toEqual(shipped.map((m) => m.version));
    expect(usableTemplate(shipped, templateDir('prefix', shipped.slice(0, 2)))?.versions).toEqual(shipped.slice(0, 2).map((m) => m.version));
    const changed = shipped.map((m, i) => (i === 1 ? { ...m, sql: `${m.sql}\n-- changed` } : m));
    expect(usableTemplate(shipped, templateDir('changed', changed))).toBeUndefined();
    const more = [...shipped, { version: 999, name: '999_later', sql: 'SELECT 1' }];
    expect(usableTemplate(shipped, templateDir('more', more))).toBeUndefined();
    expect(usableTemplate(shipped, join(root, 'none'))).toBeUndefined();
  });
});

describe('a new data directory', () => {
  it('starts from the template at the current schema, and a later start keeps its data: the template never replaces an existing database', { timeout: 300_000 }, async () => {
    const dataDir = join(root, 'data-fresh');
    const log = capture();
    const database = await openAndMigrate(configFor(dataDir), log.logger, templateDir('tpl-fresh', shipped));
    try {
      expect(database.seeded).toEqual(shipped.map((m) => m.version));
      expect(await migrationsApplied(database, shipped)).toBe(true);
      expect(log.lines().find((l) => l.msg === 'migrations applied')).toMatchObject({ applied: shipped.map((m) => m.version), from_template: shipped.map((m) => m.version) });
      await database.db.insertInto('orgs').values({ id: 'c'.repeat(32), name: 'from-template' }).execute();
    } finally {
      await database.close();
    }
    expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);

    // A usable template again: the existing database is opened, not replaced by it.
    const again = await openAndMigrate(configFor(dataDir), silent(), templateDir('tpl-again', shipped));
    try {
      expect(again.seeded).toEqual([]);
      expect((await again.db.selectFrom('orgs').select('name').where('id', '=', 'c'.repeat(32)).execute()).map((r) => r.name)).toEqual(['from-template']);
    } finally {
      await again.close();
    }
  });

  it('starts from a template of the first migrations and gets the newer ones applied', { timeout: 300_000 }, async () => {
    const later = [...shipped, { version: 999, name: '999_later', sql: 'CREATE TABLE later_table (id integer PRIMARY KEY)' }];
    const template = usableTemplate(later, templateDir('tpl-prefix', shipped));
    expect(template?.versions).toEqual(shipped.map((m) => m.version));
    const database = await openDatabase({ pgliteDir: join(root, 'data-prefix', 'pgdata'), pgliteTemplate: template });
    try {
      expect(database.seeded).toEqual(shipped.map((m) => m.version));
      expect(await migrationsApplied(database, later)).toBe(false);
      expect(await migrate(database, later)).toEqual([999]);
      expect(await migrationsApplied(database, later)).toBe(true);
      await sql`INSERT INTO later_table (id) VALUES (1)`.execute(database.db);
    } finally {
      await database.close();
    }
  });

  it('is created and migrated as usual when the template is stale or damaged', { timeout: 600_000 }, async () => {
    const changed = shipped.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- an older text` } : m));
    const log = capture();
    const stale = await openAndMigrate(configFor(join(root, 'data-stale')), log.logger, templateDir('tpl-stale', changed));
    try {
      expect(stale.seeded).toEqual([]);
      expect(await migrationsApplied(stale, shipped)).toBe(true);
      const applied = log.lines().find((l) => l.msg === 'migrations applied');
      expect(applied).toMatchObject({ applied: shipped.map((m) => m.version) });
      expect(applied).not.toHaveProperty('from_template');
    } finally {
      await stale.close();
    }

    const damagedLog = capture();
    const damaged = await openAndMigrate(configFor(join(root, 'data-damaged')), damagedLog.logger, templateDir('tpl-damaged', shipped, dump.subarray(0, 1000)));
    try {
      expect(damaged.seeded).toEqual([]);
      expect(damaged.templateProblem).toBeTruthy();
      expect(await migrationsApplied(damaged, shipped)).toBe(true);
      expect(damagedLog.lines().some((l) => l.level === 40 && String(l.msg).includes('template'))).toBe(true);
      // Nothing of the failed attempt is left beside the database.
      expect(existsSync(join(root, 'data-damaged', `pgdata.seed-${process.pid}`))).toBe(false);
    } finally {
      await damaged.close();
    }
  });
});
