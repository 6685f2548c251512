/**
 * Fixed-window counters (table `rate_counters`): one row per key, counting events since the
 * start of its current window. A window that has ended starts again at 1 on the next event.
 * Every process sharing the database counts into the same rows; the upsert is one atomic
 * statement, so concurrent events are all counted.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface WindowCount {
  count: number;
  /** When the window the count belongs to started. */
  windowStart: Date;
}

/** Counts one event under `key`; the count of the current window, this event included. */
export async function bumpCounter(db: Kysely<DB>, key: string, windowSeconds: number, now: Date): Promise<WindowCount> {
  const ended = new Date(now.getTime() - windowSeconds * 1000);
  const r = await sql<{ count: number; window_start: Date | string }>`
    INSERT INTO rate_counters AS c (key, window_start, count) VALUES (${key}, ${now}, 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN c.window_start <= ${ended} THEN 1 ELSE c.count + 1 END,
      window_start = CASE WHEN c.window_start <= ${ended} THEN ${now} ELSE c.window_start END
    RETURNING count, window_start`.execute(db);
  const row = r.rows[0]!;
  return { count: Number(row.count), windowStart: new Date(row.window_start) };
}

/** The counts of these keys in their current windows (keys without one are left out). */
export async function currentCounts(db: Kysely<DB>, keys: readonly string[], windowSeconds: number, now: Date): Promise<Map<string, WindowCount>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('rate_counters')
    .select(['key', 'count', 'window_start'])
    .where('key', 'in', [...keys])
    .where('window_start', '>', new Date(now.getTime() - windowSeconds * 1000))
    .execute();
  return new Map(rows.map((r) => [r.key, { count: Number(r.count), windowStart: new Date(r.window_start) }]));
}

/** Removes counters whose window started before `before`; how many. */
export async function deleteStaleCounters(db: Kysely<DB>, before: Date): Promise<number> {
  const r = await db.deleteFrom('rate_counters').where('window_start', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
