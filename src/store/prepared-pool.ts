/**
 * A `pg` pool whose connections run Kysely's statements as named prepared statements: the
 * first run of a statement text on a connection parses it on the server and keeps it; every
 * later run only binds and executes. PostgreSQL then skips parsing, analysing and (once it
 * chose a generic plan, after five runs) planning — for the short statements of a job or a
 * request the larger part of the server's CPU — and `pg` sends no Parse message.
 *
 * A connection keeps at most MAX_PREPARED statements (texts past that run unnamed, as
 * before), and only texts with parameters (BEGIN, COMMIT and scripts run unnamed). A
 * prepared statement whose tables changed under it so that its result columns differ (a
 * migration adding a column to a table read with `SELECT *`) fails with "cached plan must
 * not change result type": the text is then prepared again under a new name, and run again
 * at once unless it was inside a transaction (the failure aborted that; the retry is refused
 * by the server and the first error is thrown, as for any failed statement).
 */
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/** Prepared statements kept per connection (each holds its parse tree and plan in the server). */
export const MAX_PREPARED = 100;
/** Longer texts (bulk statements built for their rows) run unnamed. */
const MAX_TEXT = 8192;

const isStalePlan = (e: unknown): boolean => (e as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String((e as Error).message));

/** The statement names of one connection, by text. */
class PreparedNames {
  private readonly names = new Map<string, string>();
  private next = 0;

  nameFor(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined) return known;
    if (this.names.size >= MAX_PREPARED || text.length > MAX_TEXT) return undefined;
    const name = `assetport_${this.next++}`;
    this.names.set(text, name);
    return name;
  }

  /** Forgets the text's statement (stale): its next run prepares it under a new name. */
  forget(text: string): void {
    this.names.delete(text);
  }
}

/** Each connection's wrapper, made once (Kysely keeps its own state per client object). */
const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();

function preparingClient(client: pg.PoolClient): PostgresPoolClient {
  const names = new PreparedNames();
  const run = async <R>(text: string, values: unknown[]): Promise<PostgresQueryResult<R>> => {
    const name = values.length > 0 ? names.nameFor(text) : undefined;
    if (name === undefined) return (await client.query(text, values)) as unknown as PostgresQueryResult<R>;
    try {
      return (await client.query({ name, text, values })) as unknown as PostgresQueryResult<R>;
    } catch (e) {
      if (!isStalePlan(e)) throw e;
      names.forget(text);
      // Outside a transaction the failed run changed nothing: run it again, prepared anew.
      // Inside one the server refuses every statement until the rollback: the first error stands.
      try {
        return (await client.query({ name: names.nameFor(text), text, values })) as unknown as PostgresQueryResult<R>;
      } catch {
        throw e;
      }
    }
  };
  const wrapper: PostgresPoolClient = {
    query: ((textOrCursor: unknown, values?: readonly unknown[]) =>
      typeof textOrCursor === 'string' ? run(textOrCursor, [...(values ?? [])]) : client.query(textOrCursor as pg.Submittable)) as PostgresPoolClient['query'],
    release: (destroy?: boolean) => client.release(destroy),
  };
  wrappers.set(client, wrapper);
  return wrapper;
}

/** The pool as Kysely's PostgresDialect takes it, its connections preparing their statements. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      return wrappers.get(client) ?? preparingClient(client);
    },
    end: () => pool.end(),
  };
}
