/**
 * The floor of a large-file import: the package's file bytes (`unzip -p`) written as 1 MiB
 * chunks into an unindexed (file, seq, data bytea) table with COPY (binary format) in one
 * transaction. On PostgreSQL it is one COPY fed through psql; PGlite can't take a streamed
 * COPY, so there it is one COPY per file (from an in-memory blob), all in one transaction.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';

const CHUNK = 1024 * 1024;
const TABLE = 'CREATE TABLE copy_floor (file integer, seq integer, data bytea); ALTER TABLE copy_floor ALTER COLUMN data SET STORAGE EXTERNAL';
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);

/** One row of the binary COPY format: (file, seq, data). */
function tuple(file: number, seq: number, data: Buffer): Buffer[] {
  const head = Buffer.alloc(2 + 4 + 4 + 4 + 4 + 4);
  head.writeInt16BE(3, 0);
  head.writeInt32BE(4, 2);
  head.writeInt32BE(file, 6);
  head.writeInt32BE(4, 10);
  head.writeInt32BE(seq, 14);
  head.writeInt32BE(data.length, 18);
  return [head, data];
}

const fileEntries = (zip: string): string[] =>
  execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter((n) => n.startsWith('files/'));

/** The tuples of one entry, a 1 MiB chunk at a time, from `unzip -p`. */
async function* entryTuples(zip: string, entry: string, file: number): AsyncGenerator<Buffer> {
  const child = spawn('unzip', ['-p', zip, entry], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pending: Buffer[] = [];
  let bytes = 0;
  let seq = 0;
  for await (const c of child.stdout as AsyncIterable<Buffer>) {
    pending.push(c);
    bytes += c.length;
    while (bytes >= CHUNK) {
      const all = Buffer.concat(pending, bytes);
      yield* tuple(file, seq++, all.subarray(0, CHUNK));
      pending = [all.subarray(CHUNK)];
      bytes -= CHUNK;
    }
  }
  if (bytes > 0) yield* tuple(file, seq++, Buffer.concat(pending, bytes));
}

async function writeAll(out: Writable, parts: AsyncIterable<Buffer>): Promise<void> {
  for await (const p of parts) if (!out.write(p)) await once(out, 'drain');
  out.end();
}

async function postgresFloor(zip: string, url: string): Promise<number> {
  const t0 = performance.now();
  const psql = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-c', TABLE, '-c', 'COPY copy_floor FROM STDIN (FORMAT binary)'], { stdio: ['pipe', 'inherit', 'inherit'] });
  const entries = fileEntries(zip);
  async function* all(): AsyncGenerator<Buffer> {
    yield HEADER;
    for (const [i, e] of entries.entries()) yield* entryTuples(zip, e, i);
    yield TRAILER;
  }
  const exit = once(psql, 'exit') as Promise<[number | null]>;
  await writeAll(psql.stdin, all());
  const [code] = await exit;
  if (code !== 0) throw new Error(`psql COPY floor exited with ${String(code)}`);
  const ms = performance.now() - t0;
  execFileSync('psql', [url, '-X', '-q', '-c', 'DROP TABLE copy_floor']);
  return ms;
}

async function pgliteFloor(zip: string, work: string): Promise<number> {
  const dir = mkdtempSync(join(work, 'copy-floor-'));
  const db = await PGlite.create(dir);
  try {
    await db.exec(TABLE);
    const entries = fileEntries(zip);
    const t0 = performance.now();
    await db.transaction(async (tx) => {
      for (const [i, e] of entries.entries()) {
        const parts: Buffer[] = [HEADER];
        for await (const p of entryTuples(zip, e, i)) parts.push(p);
        parts.push(TRAILER);
        await tx.query("COPY copy_floor FROM '/dev/blob' (FORMAT binary)", [], { blob: new Blob(parts) });
      }
    });
    return performance.now() - t0;
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds to write the package's file bytes as chunks with COPY in one transaction. */
export const copyFloor = (zip: string, work: string, databaseUrl?: string): Promise<number> => (databaseUrl ? postgresFloor(zip, databaseUrl) : pgliteFloor(zip, work));
