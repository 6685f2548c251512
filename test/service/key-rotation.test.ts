/**
 * Master key rotation against the database: every secret (asset bodies, revisions, access
 * keys, sealed job parameters) moves to the new key in batches; a rotation stopped after a
 * batch keeps what it committed and a rerun finishes; a row changed between the read and
 * the write is not overwritten; values no key of the ring opens are left alone; status
 * counts secrets per key id; afterwards the new key alone decrypts everything and nothing
 * else about a row changed.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/json-text.js';
import { newAssetId, newId32 } from '../../src/core/ids.js';
import { sealSecrets } from '../../src/core/secret-fields.js';
import { KeyRing, keyIdOf } from '../../src/secrets/key-ring.js';
import { keyStatus, rotateKeys, type RotationProgress } from '../../src/service/key-rotation.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const A = randomBytes(32);
const B = randomBytes(32);
const C = randomBytes(32);
const old = KeyRing.fromMasterKeys([A]);
const both = KeyRing.fromMasterKeys([B, A]);
const onlyNew = KeyRing.fromMasterKeys([B]);
const stranger = KeyRing.fromMasterKeys([C]);

/** A datasource body with two secrets, written with spaces so byte-for-byte keeping shows. */
function bodyText(i: number, ring: KeyRing): string {
  const sealed = sealSecrets('datasource', { name: `ds${i}`, property_map: { settings: { host: `h${i}`, password: `pw-${i}`, secret: { value: `s-${i}`, expression: false } }, info: { n: i } } }, ring);
  return JSON.stringify(sealed, null, 1);
}

describe('rotateKeys', () => {
  let t: TestDatabase;
  let spaceId: string;
  const ids: string[] = [];
  const before = new Map<string, { text: string; revision: number; updated_at: Date }>();

  const rows = () => t.database.db.selectFrom('assets').select(['id', 'sha256', 'revision', 'updated_at', 'name']).select(sql<string>`body::text`.as('text')).orderBy('id').execute();

  beforeAll(async () => {
    t = await createTestDatabase();
    const db = t.database.db;
    const orgId = newId32();
    spaceId = newId32();
    const userId = newId32();
    await db.insertInto('orgs').values({ id: orgId, name: 'o', created_at: new Date() }).execute();
    await db.insertInto('spaces').values({ id: spaceId, org_id: orgId, kind: 'instance', name: 's', created_at: new Date() }).execute();
    await db.insertInto('users').values({ id: userId, name: 'u', password_hash: 'x', created_at: new Date() }).execute();
    for (let i = 0; i < 7; i++) {
      const id = newAssetId();
      ids.push(id);
      const text = bodyText(i, old);
      await db.insertInto('assets').values({ id, space_id: spaceId, type: 'datasource', name: `ds${i}`, body: text, content: null, refs: '[]', sha256: sha256Hex(text), status: 'enabled', created_at: new Date(), updated_at: new Date('2020-01-01T00:00:00Z'), created_by: 'u', updated_by: 'u' }).execute();
      await db.insertInto('asset_revisions').values({ asset_id: id, space_id: spaceId, job_id: null, revision: 1, existed: true, type: 'datasource', name: `ds${i}`, body: bodyText(100 + i, old), content: null, refs: '[]', sha256: 'f'.repeat(64), status: 'enabled', recorded_at: new Date(), recorded_by: 'u' }).execute();
    }
    // No secret at all, and one under a key nobody holds.
    const plain = JSON.stringify({ name: 'app', property_map: { settings: { host: '$ap1$ is just text here' } } });
    await db.insertInto('assets').values({ id: newAssetId(), space_id: spaceId, type: 'datasource', name: 'plain', body: plain, content: null, refs: '[]', sha256: sha256Hex(plain), status: 'enabled', created_at: new Date(), updated_at: new Date(), created_by: 'u', updated_by: 'u' }).execute();
    const lost = bodyText(50, stranger);
    await db.insertInto('assets').values({ id: newAssetId(), space_id: spaceId, type: 'datasource', name: 'lost', body: lost, content: null, refs: '[]', sha256: sha256Hex(lost), status: 'disabled', created_at: new Date(), updated_at: new Date(), created_by: 'u', updated_by: 'u' }).execute();
    await db.insertInto('access_keys').values({ access_key: 'AK1', user_id: userId, secret_enc: old.encrypt('sk-1'), created_at: new Date() }).execute();
    await db.insertInto('jobs').values({ id: newId32(), kind: 'import', params: JSON.stringify({ accounts_sealed: old.encrypt('[{"x":1}]'), author: 'u' }), reasons: '[]', input_blob_id: null, output_blob_id: null, created_at: new Date(), updated_at: new Date() }).execute();
    for (const r of await rows()) before.set(r.id, { text: r.text, revision: r.revision, updated_at: r.updated_at });
  });
  afterAll(() => t.drop());

  it('counts secrets per key id, including a key the ring does not hold', async () => {
    const s = await keyStatus(t.database.db, both);
    const byId = Object.fromEntries(s.keys.map((k) => [k.keyId, k]));
    expect(s.currentKeyId).toBe(both.currentKeyId);
    // 7 assets + 7 revisions with 2 secrets each, one access key, one job.
    expect(byId[old.currentKeyId]).toEqual({ keyId: old.currentKeyId, secrets: 30, held: true });
    expect(byId[both.currentKeyId]).toEqual({ keyId: both.currentKeyId, secrets: 0, held: true });
    expect(byId[stranger.currentKeyId]).toEqual({ keyId: stranger.currentKeyId, secrets: 2, held: false });
  });

  it('stops after a committed batch, and a rerun finishes without redoing it', async () => {
    const seen: RotationProgress[] = [];
    await expect(
      rotateKeys(t.database.db, both, {
        batchSize: 2,
        onBatch: (p) => {
          seen.push(p);
          if (p.table === 'assets' && p.scanned >= 4) throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    expect(seen.at(-1)).toMatchObject({ table: 'assets', scanned: 4 });
    const partial = await keyStatus(t.database.db, both);
    const moved = partial.keys.find((k) => k.keyId === both.currentKeyId)?.secrets ?? 0;
    expect(moved).toBeGreaterThanOrEqual(2 * 2);
    expect(moved).toBeLessThan(30);

    const totals = await rotateKeys(t.database.db, both, { batchSize: 3 });
    const assets = totals.find((x) => x.table === 'assets');
    expect(assets?.resealed).toBe(7 - moved / 2);
    expect(assets?.unreadable).toBe(2);
    expect(totals.find((x) => x.table === 'asset_revisions')?.resealed).toBe(7);
    expect(totals.find((x) => x.table === 'access_keys')?.resealed).toBe(1);
    expect(totals.find((x) => x.table === 'jobs')?.resealed).toBe(1);

    const done = await keyStatus(t.database.db, both);
    expect(done.keys.find((k) => k.keyId === old.currentKeyId)?.secrets).toBe(0);
    expect(done.keys.find((k) => k.keyId === both.currentKeyId)?.secrets).toBe(30);
    // A third run has nothing to do.
    const again = await rotateKeys(t.database.db, both);
    expect(again.reduce((s, x) => s + x.resealed + x.changed, 0)).toBe(0);
  });

  it('leaves everything but the ciphertexts as it was, and the new key alone decrypts', async () => {
    for (const r of await rows()) {
      const b = before.get(r.id);
      expect(b).toBeDefined();
      expect(r.revision).toBe(b?.revision);
      expect(r.updated_at.toISOString()).toBe(b?.updated_at.toISOString());
      expect(r.sha256).toBe(sha256Hex(r.text));
      const ciphers = r.text.match(/\$ap1\$[0-9a-f]{16}\$[A-Za-z0-9_-]+/g) ?? [];
      // Same text with the ciphertexts and key ids blanked: formatting and every other byte kept.
      const blank = (s: string) => s.replace(/\$ap1\$[0-9a-f]{16}\$[A-Za-z0-9_-]+/g, 'C').replace(/"key_id": "[0-9a-f]{16}"/g, 'K');
      expect(blank(r.text)).toBe(blank(b?.text ?? ''));
      if (r.name === 'lost') {
        expect(r.text).toBe(b?.text);
        continue;
      }
      if (r.name === 'plain') continue;
      const i = Number(r.name.slice(2));
      expect(ciphers.map((c) => onlyNew.decrypt(c))).toEqual([`pw-${i}`, `s-${i}`]);
      expect(JSON.parse(r.text).property_map.settings.password.key_id).toBe(onlyNew.currentKeyId);
    }
    const revs = await t.database.db.selectFrom('asset_revisions').select(['sha256']).select(sql<string>`body::text`.as('text')).execute();
    for (const r of revs) {
      expect(r.sha256).toBe('f'.repeat(64)); // not the checksum of its text: kept as it was
      for (const c of r.text.match(/\$ap1\$[0-9a-f]{16}\$[A-Za-z0-9_-]+/g) ?? []) expect(keyIdOf(c)).toBe(onlyNew.currentKeyId);
    }
    const ak = await t.database.db.selectFrom('access_keys').select('secret_enc').executeTakeFirstOrThrow();
    expect(onlyNew.decrypt(ak.secret_enc)).toBe('sk-1');
    const job = await t.database.db.selectFrom('jobs').select('params').executeTakeFirstOrThrow();
    const params = job.params as { accounts_sealed: string; author: string };
    expect(onlyNew.decrypt(params.accounts_sealed)).toBe('[{"x":1}]');
    expect(params.author).toBe('u');
  });

  it('does not overwrite a row changed between its read and its write', async () => {
    const third = KeyRing.fromMasterKeys([randomBytes(32), B]);
    const target = ids[0] as string;
    const fresh = bodyText(999, third);
    const totals = await rotateKeys(t.database.db, third, {
      batchSize: 100,
      onRead: async (table, batch) => {
        if (table === 'assets' && batch.includes(target)) {
          await t.database.db.updateTable('assets').set({ body: fresh, sha256: sha256Hex(fresh), revision: 2 }).where('id', '=', target).execute();
        }
      },
    });
    expect(totals.find((x) => x.table === 'assets')).toMatchObject({ resealed: 6, changed: 1 });
    const row = await t.database.db.selectFrom('assets').select(['revision', 'sha256']).select(sql<string>`body::text`.as('text')).where('id', '=', target).executeTakeFirstOrThrow();
    expect(row.text).toBe(fresh);
    expect(row.revision).toBe(2);
  });

  it('refuses a batch size that is not a positive integer', async () => {
    await expect(rotateKeys(t.database.db, both, { batchSize: 0 })).rejects.toThrow(RangeError);
  });
});
