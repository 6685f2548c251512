/**
 * Master key rotation: re-seals every stored secret under the key ring's current key.
 *
 * Secrets at rest are the secret fields of asset bodies (current assets and their
 * revisions), the secret keys of access keys, and the sealed account overrides in the
 * parameters of import jobs. Every ciphertext names its key id, so the work left is
 * visible in the data itself: `rotateKeys` walks each table in id order, in batches, and
 * rewrites only values under another key, each batch in its own short transaction. Stopped
 * at any point it loses nothing, and running it again continues where it matters.
 *
 * Each row is updated only when it still holds exactly what was read (its body text, its
 * ciphertext): a row changed meanwhile (an import, an edit) is left alone and counted as
 * `changed`; it was written under the current key anyway, or a rerun picks it up. Nothing
 * else about a row changes: revision numbers, times and authors stay; a body keeps its text
 * byte for byte except the ciphertexts and their `key_id`, and its checksum (the SHA-256 of
 * that text) follows the text. Values the ring cannot decrypt are left as they are and
 * counted as `unreadable`. Nothing here ever returns or logs a secret.
 */
import { sql, type Kysely } from 'kysely';
import { isAssetType } from '../core/asset-types.js';
import { sha256Hex } from '../core/json-text.js';
import { resealSecrets, sealedSecretValues } from '../core/secret-fields.js';
import { keyIdOf, type KeyRing } from '../secrets/key-ring.js';
import type { DB } from '../store/schema.js';

export type SecretTable = 'assets' | 'asset_revisions' | 'access_keys' | 'jobs';
const SECRET_TABLES: readonly SecretTable[] = ['assets', 'asset_revisions', 'access_keys', 'jobs'];

export interface RotationProgress {
  table: SecretTable;
  /** Rows read so far in this table. */
  scanned: number;
  /** Rows rewritten under the current key. */
  resealed: number;
  /** Rows left alone because they changed after being read (a rerun picks them up). */
  changed: number;
  /** Secret values the ring cannot decrypt (left as they are). */
  unreadable: number;
}

export interface RotateOptions {
  batchSize?: number;
  /** Called after each committed batch; throwing stops the rotation (what was committed stays). */
  onBatch?: (p: RotationProgress) => void | Promise<void>;
  /** Called with the ids of a batch between reading and writing it (lets tests change rows meanwhile). */
  onRead?: (table: SecretTable, ids: string[]) => void | Promise<void>;
}

/** Secret values per key id across every table; `held` says whether the ring holds the key. */
export interface KeyStatus {
  currentKeyId: string;
  keys: { keyId: string; secrets: number; held: boolean }[];
  /** Values that claim to be sealed but name no key id (malformed). */
  malformed: number;
}

interface Row {
  id: string;
  /** What the conditional update compares: the body text or the ciphertext. */
  old: string;
  type?: string;
  sha256?: string | null;
}

interface Plan {
  unreadable: number;
  /** The replacement for `old`, when something moves. */
  next?: string;
}

type Db = Kysely<DB>;

const SEALED_LIKE = '%$ap1$%';

async function readBatch(db: Db, table: SecretTable, after: string | null, limit: number): Promise<Row[]> {
  switch (table) {
    case 'assets':
    case 'asset_revisions': {
      let q = db.selectFrom(table).select(['id', 'type', 'sha256']).select(sql<string>`body::text`.as('old')).where(sql<boolean>`body::text like ${SEALED_LIKE}`);
      if (after !== null) q = q.where('id', '>', after);
      return (await q.orderBy('id').limit(limit).execute()).map((r) => ({ id: String(r.id), old: r.old, type: r.type, sha256: r.sha256 }));
    }
    case 'access_keys': {
      let q = db.selectFrom('access_keys').select(['access_key as id', 'secret_enc as old']);
      if (after !== null) q = q.where('access_key', '>', after);
      return q.orderBy('access_key').limit(limit).execute();
    }
    case 'jobs': {
      let q = db.selectFrom('jobs').select('id').select(sql<string>`params->>'accounts_sealed'`.as('old')).where(sql<boolean>`params ? 'accounts_sealed'`);
      if (after !== null) q = q.where('id', '>', after);
      return q.orderBy('id').limit(limit).execute();
    }
  }
}

/** Replaces each moved ciphertext in the text, and the old key ids of `key_id`, keeping every other byte. */
export function resealText(text: string, expected: unknown, moved: [string, string][], oldIds: string[], currentKeyId: string): string {
  let out = text;
  for (const [from, to] of moved) out = out.split(from).join(to);
  for (const id of oldIds) out = out.replace(new RegExp(`("key_id"\\s*:\\s*")${id}(")`, 'g'), `$1${currentKeyId}$2`);
  const want = JSON.stringify(expected);
  try {
    if (JSON.stringify(JSON.parse(out)) === want) return out;
  } catch {
    // not JSON any more: fall through to the canonical text
  }
  return want;
}

function planBody(row: Row, ring: KeyRing): Plan {
  if (!row.type || !isAssetType(row.type)) return { unreadable: 0 };
  const r = resealSecrets(row.type, JSON.parse(row.old) as unknown, ring);
  if (r.moved.length === 0) return { unreadable: r.unreadable };
  const oldIds = [...new Set(r.moved.map(([from]) => keyIdOf(from) as string))];
  return { unreadable: r.unreadable, next: resealText(row.old, r.body, r.moved, oldIds, ring.currentKeyId) };
}

function planCipher(row: Row, ring: KeyRing): Plan {
  if (!ring.canDecrypt(row.old)) return { unreadable: 1 };
  return keyIdOf(row.old) === ring.currentKeyId ? { unreadable: 0 } : { unreadable: 0, next: ring.reencrypt(row.old) };
}

/** Key ids of the sealed values a row holds (null for a malformed one); nothing is decrypted. */
function keyIdsOf(table: SecretTable, row: Row): (string | null)[] {
  if (table !== 'assets' && table !== 'asset_revisions') return [keyIdOf(row.old)];
  if (!row.type || !isAssetType(row.type)) return [];
  return sealedSecretValues(row.type, JSON.parse(row.old) as unknown).map(keyIdOf);
}

const plan = (table: SecretTable, row: Row, ring: KeyRing): Plan => (table === 'assets' || table === 'asset_revisions' ? planBody(row, ring) : planCipher(row, ring));

/** Writes `next` over `row.old` only when the row still holds `old`; true when it did. */
async function writeRow(trx: Db, table: SecretTable, row: Row, next: string): Promise<boolean> {
  let r: { numUpdatedRows: bigint } | undefined;
  if (table === 'assets' || table === 'asset_revisions') {
    // The checksum follows the text when it was the checksum of that text.
    const sha256 = row.sha256 != null && row.sha256 === sha256Hex(row.old) ? sha256Hex(next) : (row.sha256 ?? null);
    const q = trx.updateTable(table).set({ body: next, sha256: sha256 as string }).where('id', '=', row.id).where(sql<boolean>`body::text = ${row.old}`);
    r = await (row.sha256 == null ? q.where('sha256', 'is', null) : q.where('sha256', '=', row.sha256)).executeTakeFirst();
  } else if (table === 'access_keys') {
    r = await trx.updateTable('access_keys').set({ secret_enc: next }).where('access_key', '=', row.id).where('secret_enc', '=', row.old).executeTakeFirst();
  } else {
    r = await trx
      .updateTable('jobs')
      .set({ params: sql`jsonb_set(params, '{accounts_sealed}', to_jsonb(${next}::text))` as unknown as string })
      .where('id', '=', row.id)
      .where(sql<boolean>`params->>'accounts_sealed' = ${row.old}`)
      .executeTakeFirst();
  }
  return (r?.numUpdatedRows ?? 0n) > 0n;
}

async function rotateTable(db: Db, ring: KeyRing, table: SecretTable, batchSize: number, opts: RotateOptions): Promise<RotationProgress> {
  const p: RotationProgress = { table, scanned: 0, resealed: 0, changed: 0, unreadable: 0 };
  for (let after: string | null = null; ; ) {
    const rows = await readBatch(db, table, after, batchSize);
    if (rows.length === 0) return p;
    after = (rows[rows.length - 1] as Row).id;
    const work = rows.map((row) => ({ row, plan: plan(table, row, ring) }));
    await opts.onRead?.(table, rows.map((r) => r.id));
    const written = await db.transaction().execute(async (trx) => {
      let n = 0;
      for (const { row, plan: pl } of work) if (pl.next !== undefined && (await writeRow(trx, table, row, pl.next))) n += 1;
      return n;
    });
    p.scanned += rows.length;
    p.resealed += written;
    p.changed += work.filter((w) => w.plan.next !== undefined).length - written;
    p.unreadable += work.reduce((s, w) => s + w.plan.unreadable, 0);
    await opts.onBatch?.({ ...p });
  }
}

/** Re-seals every secret not under the ring's current key; returns the totals per table. */
export async function rotateKeys(db: Db, ring: KeyRing, opts: RotateOptions = {}): Promise<RotationProgress[]> {
  const batchSize = opts.batchSize ?? 200;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batch size must be a positive integer');
  const totals: RotationProgress[] = [];
  for (const table of SECRET_TABLES) totals.push(await rotateTable(db, ring, table, batchSize, opts));
  return totals;
}

/** How many stored secret values are sealed under each key id. */
export async function keyStatus(db: Db, ring: KeyRing, batchSize = 500): Promise<KeyStatus> {
  const counts = new Map<string, number>();
  let malformed = 0;
  for (const table of SECRET_TABLES) {
    for (let after: string | null = null; ; ) {
      const rows = await readBatch(db, table, after, batchSize);
      if (rows.length === 0) break;
      after = (rows[rows.length - 1] as Row).id;
      for (const row of rows) {
        for (const id of keyIdsOf(table, row)) {
          if (id === null) malformed += 1;
          else counts.set(id, (counts.get(id) ?? 0) + 1);
        }
      }
    }
  }
  const ids = new Set([...ring.keyIds, ...counts.keys()]);
  const keys = [...ids].map((keyId) => ({ keyId, secrets: counts.get(keyId) ?? 0, held: ring.has(keyId) }));
  return { currentKeyId: ring.currentKeyId, keys, malformed };
}
