/**
 * The embedded database's cache of Bearer tokens' holders stays exact: what it keeps is
 * forgotten by any statement that may change a token, a user or an org, and the tables it
 * watches are all those whose changes cascade into tokens (checked against the schema).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { newId32 } from '../core/ids.js';
import { authenticateToken } from '../service/users.js';
import { authenticateScopedToken } from '../service/credentials.js';
import { hashToken } from '../auth/passwords.js';
import { CREDENTIAL_TABLES, TokenHolderCache, mayChangeCredentials, type TokenHolder } from './token-cache.js';
import { deleteToken, insertToken } from './tokens.js';
import { setUserLocked } from './users.js';

const holder = (over: Partial<TokenHolder> = {}): TokenHolder => ({ user_id: 'u', org_id: null, name: 'ann', is_admin: false, locked: false, expires_at: new Date(Date.now() + 60_000), ...over });

describe('which statements may change a token’s holder', () => {
  it.each([
    'delete from "tokens" where "token_hash" = $1',
    'update "users" set "locked" = $1 where "id" = $2',
    'delete from "orgs" where "id" = $1',
    'insert into "tokens" ("token_hash", "user_id", "expires_at") values ($1, $2, $3)',
    'select * from "users" where "id" = $1 for update',
    'WITH gone AS (DELETE FROM tokens RETURNING 1) SELECT count(*) FROM gone',
    'TRUNCATE users CASCADE',
  ])('%s: yes', (text) => expect(mayChangeCredentials(text)).toBe(true));

  it.each([
    'select "tokens"."user_id" from "tokens" inner join "users" on "users"."id" = "tokens"."user_id" where "tokens"."token_hash" = $1',
    'select * from "orgs" order by "name"',
    'update "jobs" set "progress" = $1, "updated_at" = $2 where "id" = $3',
    'insert into "audit_events" ("actor", "org_id", "user_id") values ($1, $2, $3)',
    "COPY blob_chunks (blob_id, seq, data) FROM '/dev/blob' WITH (FORMAT binary)",
  ])('%s: no', (text) => expect(mayChangeCredentials(text)).toBe(false));

  it('a script (migrations, anything run outside a single statement): yes', () => expect(mayChangeCredentials(undefined)).toBe(true));
});

describe('TokenHolderCache', () => {
  const now = new Date();

  it('answers a token it loaded before without loading it again', async () => {
    const cache = new TokenHolderCache();
    let loads = 0;
    const load = () => (loads++, Promise.resolve(holder()));
    await cache.holder('h', now, load);
    cache.noteStatement('select * from "orgs"');
    cache.noteStatement('update "jobs" set "progress" = $1');
    expect(await cache.holder('h', now, load)).toEqual(holder({ expires_at: (await load()).expires_at }));
    expect(loads).toBe(2);
  });

  it('forgets everything at a statement that may change a holder', async () => {
    const cache = new TokenHolderCache();
    let loads = 0;
    const load = () => (loads++, Promise.resolve(holder()));
    await cache.holder('h', now, load);
    cache.noteStatement('delete from "tokens" where "token_hash" = $1');
    await cache.holder('h', now, load);
    expect(loads).toBe(2);
  });

  it('does not keep what it loaded while such a statement was sent', async () => {
    const cache = new TokenHolderCache();
    let loads = 0;
    const load = async () => {
      loads++;
      if (loads === 1) cache.noteStatement('update "users" set "locked" = $1 where "id" = $2');
      return holder();
    };
    await cache.holder('h', now, load);
    await cache.holder('h', now, load);
    expect(loads).toBe(2);
  });

  it('does not answer a token past its expiry, and does not remember unknown tokens', async () => {
    const cache = new TokenHolderCache();
    await cache.holder('h', now, () => Promise.resolve(holder({ expires_at: new Date(now.getTime() + 1000) })));
    expect(await cache.holder('h', new Date(now.getTime() + 1000), () => Promise.reject(new Error('not loaded')))).toBeUndefined();
    let loads = 0;
    const unknown = () => (loads++, Promise.resolve(undefined));
    await cache.holder('x', now, unknown);
    await cache.holder('x', now, unknown);
    expect(loads).toBe(2);
  });

  it('keeps at most its limit, the oldest going first', async () => {
    const cache = new TokenHolderCache(2);
    let loads = 0;
    const load = () => (loads++, Promise.resolve(holder()));
    for (const h of ['a', 'b', 'c', 'b', 'c']) await cache.holder(h, now, load);
    expect(loads).toBe(3);
    await cache.holder('a', now, load);
    expect(loads).toBe(4);
  });
});

describe('tokens and their holders in the database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());
  const from = { address: '192.0.2.1' };

  const newUserWithToken = async (orgId: string | null = null) => {
    const db = t.database.db;
    const id = newId32();
    await db.insertInto('users').values({ id, name: `u${id.slice(0, 8)}`, password_hash: 'x' }).execute();
    const token = newId32();
    await insertToken(db, { token_hash: hashToken(token), user_id: id, expires_at: new Date(Date.now() + 3_600_000), org_id: orgId });
    expect((await authenticateToken(db, token, from))?.userId).toBe(id);
    expect((await authenticateToken(db, token, from))?.userId).toBe(id);
    return { id, token };
  };

  it('a revoked token is refused at once', async () => {
    const { token } = await newUserWithToken();
    await deleteToken(t.database.db, hashToken(token));
    expect(await authenticateToken(t.database.db, token, from)).toBeNull();
  });

  it('a locked user’s token is refused at once, and accepted again once unlocked', async () => {
    const { id, token } = await newUserWithToken();
    await setUserLocked(t.database.db, id, true);
    expect(await authenticateToken(t.database.db, token, from)).toBeNull();
    await setUserLocked(t.database.db, id, false);
    expect((await authenticateToken(t.database.db, token, from))?.userId).toBe(id);
  });

  it('a user made admin is admin at the next request; a deleted user’s token is refused', async () => {
    const { id, token } = await newUserWithToken();
    expect((await authenticateToken(t.database.db, token, from))?.isAdmin).toBe(false);
    await t.database.db.updateTable('users').set({ is_admin: true }).where('id', '=', id).execute();
    expect((await authenticateToken(t.database.db, token, from))?.isAdmin).toBe(true);
    await t.database.db.deleteFrom('users').where('id', '=', id).execute();
    expect(await authenticateToken(t.database.db, token, from)).toBeNull();
  });

  it('a token scoped to an org is refused once the org is deleted', async () => {
    const org = newId32();
    await t.database.db.insertInto('orgs').values({ id: org, name: `o${org.slice(0, 8)}` }).execute();
    const { token } = await newUserWithToken(org);
    expect((await authenticateScopedToken(t.database.db, token, from))?.orgId).toBe(org);
    await t.database.db.deleteFrom('orgs').where('id', '=', org).execute();
    expect(await authenticateScopedToken(t.database.db, token, from)).toBeNull();
  });

  it('the watched tables are tokens and every table whose changes cascade into them', async () => {
    const r = await sql<{ child: string; parent: string }>`
      SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
      FROM pg_constraint c WHERE c.contype = 'f' AND (c.confdeltype IN ('c', 'n', 'd') OR c.confupdtype IN ('c', 'n', 'd'))`.execute(t.database.db);
    const reach = new Set<string>(['tokens']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const { child, parent } of r.rows) {
        if (reach.has(child) && !reach.has(parent)) {
          reach.add(parent);
          grew = true;
        }
      }
    }
    expect([...reach].sort()).toEqual([...CREDENTIAL_TABLES].sort());
  });

  it('no trigger writes to the watched tables, and none is on them', async () => {
    const r = await sql<{ table: string; source: string }>`
      SELECT t.tgrelid::regclass::text AS table, p.prosrc AS source
      FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal`.execute(t.database.db);
    for (const { table, source } of r.rows) {
      expect(CREDENTIAL_TABLES as readonly string[]).not.toContain(table);
      expect(mayChangeCredentials(source), `the trigger on ${table}`).toBe(false);
    }
  });
});
