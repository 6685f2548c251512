/** Runs the retention sweep every so often in this process (one process at a time sweeps; see store/retention.ts). */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../store/schema.js';
import { sweepFinishedJobs } from '../store/retention.js';
import { deleteStaleCounters } from '../store/rate-counters.js';

/** Rate-limit windows are at most 7 days long (config.ts); a counter older than that has ended. */
const LONGEST_WINDOW_MS = 7 * 24 * 3600_000;

export interface RetentionSweeps {
  stop(): Promise<void>;
}

export function startRetentionSweeps(db: Kysely<DB>, logger: Logger, o: { retainJobsHours: number; intervalSeconds: number }): RetentionSweeps {
  if (o.intervalSeconds === 0) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const now = Date.now();
    try {
      const jobs = o.retainJobsHours > 0 ? await sweepFinishedJobs(db, new Date(now - o.retainJobsHours * 3600_000)) : 0;
      const counters = await deleteStaleCounters(db, new Date(now - LONGEST_WINDOW_MS));
      if (jobs > 0 || counters > 0) logger.info({ jobs, counters }, 'retention sweep');
    } catch (e) {
      logger.warn({ err: e }, 'retention sweep failed; it runs again at the next interval');
    }
  };
  const timer = setInterval(() => {
    running ??= sweep().finally(() => (running = undefined));
  }, o.intervalSeconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
