/** Runs the retention sweep every so often in this process (one process at a time sweeps; see store/retention.ts). */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../store/schema.js';
import { sweepArchives, sweepFinishedJobs, sweepUploads } from '../store/retention.js';
import { sweepContents } from '../store/content-blobs.js';
import { deleteStaleCounters } from '../store/rate-counters.js';

/** Rate-limit windows are at most 7 days long (config.ts); a counter older than that has ended. */
const LONGEST_WINDOW_MS = 7 * 24 * 3600_000;

export interface RetentionSweeps {
  stop(): Promise<void>;
}

/** How long each kind of thing is kept, in hours; 0 keeps it for good. */
export interface RetentionHours {
  retainJobsHours: number;
  retainArchivesHours: number;
  retainUploadsHours: number;
}

/** One whole sweep: what each part removed. */
export async function sweepOnce(db: Kysely<DB>, o: RetentionHours, now = Date.now()): Promise<Record<string, number>> {
  const cutoff = (hours: number) => new Date(now - hours * 3600_000);
  const jobs = o.retainJobsHours > 0 ? await sweepFinishedJobs(db, cutoff(o.retainJobsHours)) : 0;
  const archives = o.retainArchivesHours > 0 ? await sweepArchives(db, cutoff(o.retainArchivesHours)) : 0;
  const uploads = o.retainUploadsHours > 0 ? await sweepUploads(db, cutoff(o.retainUploadsHours)) : 0;
  // Large file contents nothing refers to any more (their assets and revisions are gone, or a worker died staging them).
  const contents = await sweepContents(db);
  const counters = await deleteStaleCounters(db, new Date(now - LONGEST_WINDOW_MS));
  return { jobs, archives, uploads, contents, counters };
}

export function startRetentionSweeps(db: Kysely<DB>, logger: Logger, o: RetentionHours & { intervalSeconds: number }): RetentionSweeps {
  if (o.intervalSeconds === 0) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  const sweep = async () => {
    try {
      const removed = await sweepOnce(db, o);
      if (Object.values(removed).some((n) => n > 0)) logger.info(removed, 'retention sweep');
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
