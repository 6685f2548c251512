/**
 * What the load harness measures besides time: the CPU each process used per job (from
 * /proc), and — with BENCH_LOAD_STATEMENTS=1 — the SQL statements PostgreSQL ran per job
 * (pg_stat_statements, loaded into the throwaway server for that run only).
 */
import pg from 'pg';
import type { Cluster } from './cluster.js';
import { commandLine, CpuMeter } from './proc-cpu.js';
import type { ThrowawayPostgres } from './throwaway-postgres.js';

const STATEMENTS = process.env.BENCH_LOAD_STATEMENTS === '1';

/** The server settings that count statements (only when asked: counting costs a little). */
export const statementSettings = (): Record<string, string> => (STATEMENTS ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } : {});

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** A PostgreSQL process serving a client connection ("postgres: user db 127.0.0.1(port) …"). */
const isBackend = (pid: number): boolean => /\(\d+\)|\[local\]/.test(commandLine(pid));

export interface PhaseMeters {
  /** CPU milliseconds per job by process group, and the total. */
  cpuPerJob(jobs: number): Record<string, number>;
}

/** Starts counting CPU (and statements) for a phase. */
export async function startMeters(cluster: Cluster, pgServer: ThrowawayPostgres): Promise<PhaseMeters> {
  if (STATEMENTS) await query(pgServer.url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset(); SELECT pg_stat_reset()');
  const pidsOf = (xs: Cluster['http']) => () => xs.map((p) => p.child.pid!).filter(Boolean);
  const postmaster = pgServer.pids()[0];
  const meters: Record<string, CpuMeter> = {
    http: new CpuMeter(pidsOf([...cluster.http])),
    workers: new CpuMeter(pidsOf([...cluster.workers])),
    // PostgreSQL: the processes serving a connection now, and the rest of its CPU (the
    // postmaster, WAL writer, checkpointer, autovacuum workers and connections that ended).
    postgres: new CpuMeter(() => pgServer.pids().filter(isBackend)),
    'postgres all': new CpuMeter(() => pgServer.pids(), postmaster),
  };
  const harness0 = process.cpuUsage();
  return {
    cpuPerJob(jobs) {
      const h = process.cpuUsage(harness0);
      const out: Record<string, number> = {};
      for (const [k, m] of Object.entries(meters)) out[k] = m.read() / jobs;
      out['postgres other'] = out['postgres all']! - out.postgres!;
      delete out['postgres all'];
      out.harness = (h.user + h.system) / 1000 / jobs;
      out.total = Object.values(out).reduce((a, b) => a + b, 0);
      return out;
    },
  };
}

export const cpuLine = (c: Record<string, number>): string =>
  `CPU per job: ${Object.entries(c)
    .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
    .join(', ')} (2 cores at most ${(2000 / c.total!).toFixed(0)} jobs/s)`;

/** The statements PostgreSQL ran since the phase began, most frequent first, per job. */
export async function statementReport(url: string, jobs: number, top = 40): Promise<string[]> {
  if (!STATEMENTS) return [];
  const rows = await query<{ calls: string; ms: number; toplevel: boolean; query: string }>(
    url,
    `SELECT calls::text, total_exec_time AS ms, toplevel, regexp_replace(query, '\\s+', ' ', 'g') AS query FROM pg_stat_statements
     WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC`,
  );
  // Top-level statements are round trips (BEGIN and COMMIT included); nested ones run inside them (triggers, functions).
  const sent = rows.filter((r) => r.toplevel).reduce((a, r) => a + Number(r.calls), 0);
  // Connections opened since the phase began (each is a new server process, its caches cold).
  const [opened] = await query<{ sessions: string }>(url, `SELECT sessions::text FROM pg_stat_database WHERE datname = current_database()`);
  return [
    `connections opened: ${opened?.sessions ?? '?'}`,
    `statements sent per job: ${(sent / jobs).toFixed(1)} (the most frequent ${Math.min(top, rows.length)} of ${rows.length}; calls per job × mean execution time):`,
    ...rows.slice(0, top).map((r) => `  ${(Number(r.calls) / jobs).toFixed(2).padStart(6)} × ${(r.ms / Number(r.calls)).toFixed(3).padStart(7)} ms ${r.toplevel ? '' : '(nested) '}${r.query.slice(0, 160)}`),
  ];
}
