/**
 * The embedded database's pool: one holder at a time, interactive holders ahead of bulk
 * ones, and bulk work never stopped by a steady stream of interactive queries.
 */
import { describe, expect, it } from 'vitest';
import type { PostgresPoolClient } from 'kysely';
import { asBulk } from './bulk-lane.js';
import { MAX_INTERACTIVE_AHEAD, PGlitePool } from './pglite-pool.js';
import type { PGliteHandle } from './pglite-thread.js';

const handle: PGliteHandle = {
  closed: false,
  query: () => Promise.resolve({ rows: [] }),
  exec: () => Promise.resolve(),
  copyIn: () => Promise.resolve(),
  copyOut: () => Promise.resolve(new Uint8Array()),
  listen: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

/** Asks for the connection; records `name` in `order` once it is granted. */
function ask(pool: PGlitePool, order: string[], name: string, bulk = false): Promise<PostgresPoolClient> {
  const connect = () => pool.connect().then((c) => (order.push(name), c));
  return bulk ? asBulk(connect) : connect();
}

describe('PGlitePool', () => {
  it('hands the connection to one holder at a time: a transaction keeps it until it releases it', async () => {
    const pool = new PGlitePool(handle);
    const order: string[] = [];
    const trx = await ask(pool, order, 'transaction');
    const other = ask(pool, order, 'other');
    const bulk = ask(pool, order, 'bulk', true);
    await settle();
    expect(order).toEqual(['transaction']);
    trx.release();
    (await other).release();
    (await bulk).release();
    expect(order).toEqual(['transaction', 'other', 'bulk']);
  });

  it('an interactive query asked for after queued bulk ones gets the connection first', async () => {
    const pool = new PGlitePool(handle);
    const order: string[] = [];
    const first = await ask(pool, order, 'running bulk', true);
    const b1 = ask(pool, order, 'bulk 1', true);
    const b2 = ask(pool, order, 'bulk 2', true);
    const i1 = ask(pool, order, 'interactive 1');
    const i2 = ask(pool, order, 'interactive 2');
    first.release();
    for (const c of [i1, i2, b1, b2]) (await c).release();
    expect(order).toEqual(['running bulk', 'interactive 1', 'interactive 2', 'bulk 1', 'bulk 2']);
  });

  it('the lane follows the bulk work through its awaits, and not beyond it', async () => {
    const pool = new PGlitePool(handle);
    const order: string[] = [];
    const first = await ask(pool, order, 'first');
    const bulk = asBulk(async () => {
      await settle();
      return ask(pool, order, 'bulk after an await');
    });
    await settle();
    const interactive = ask(pool, order, 'interactive');
    first.release();
    (await interactive).release();
    (await bulk).release();
    expect(order).toEqual(['first', 'interactive', 'bulk after an await']);
  });

  it('a request’s next query, asked for as its previous one’s answer is handled, goes ahead of waiting bulk work', async () => {
    const pool = new PGlitePool(handle);
    const order: string[] = [];
    const first = await ask(pool, order, 'auth query');
    const bulk = ask(pool, order, 'bulk', true);
    await settle();
    first.release();
    // The route goes on after a few more steps of its own, then asks again.
    const next = Promise.resolve()
      .then(() => undefined)
      .then(() => ask(pool, order, 'route query'));
    await settle();
    expect(order).toEqual(['auth query', 'route query']);
    (await next).release();
    (await bulk).release();
    expect(order).toEqual(['auth query', 'route query', 'bulk']);
  });

  it(`a waiting bulk holder goes after ${MAX_INTERACTIVE_AHEAD} interactive ones went ahead of it`, async () => {
    const pool = new PGlitePool(handle);
    const order: string[] = [];
    let holder = await ask(pool, order, 'first');
    const bulk = ask(pool, order, 'bulk', true);
    // Interactive queries keep coming: one always waits when the connection comes free.
    for (let i = 0; i < MAX_INTERACTIVE_AHEAD + 3; i++) {
      const next = ask(pool, order, `i${i}`);
      holder.release();
      await settle();
      if (order.at(-1) === 'bulk') {
        (await bulk).release();
        holder = await next;
        break;
      }
      holder = await next;
    }
    holder.release();
    expect(order.indexOf('bulk')).toBe(MAX_INTERACTIVE_AHEAD + 1);
  });

  it('exclusive() takes the caller’s lane too', async () => {
    const pool = new PGlitePool(handle);
    const order: string[] = [];
    const first = await ask(pool, order, 'first');
    const bulkScript = asBulk(() => pool.exclusive(async () => void order.push('bulk script')));
    const script = pool.exclusive(async () => void order.push('script'));
    first.release();
    await Promise.all([bulkScript, script]);
    expect(order).toEqual(['first', 'script', 'bulk script']);
  });
});
