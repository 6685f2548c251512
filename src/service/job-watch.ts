/**
 * Watching jobs as they change, for event streams: no polling. The database announces
 * each change of a job's state or progress (store/notifications.ts) with the new values,
 * which go to the job's watchers as they are, in order: no query. The job is read (once
 * for all its watchers; a burst of reasons while a read is under way costs one more read,
 * not one each) when a watch begins — unless it was held while its caller read the job —,
 * when it has ended (the whole job is then shown), and after the listening connection was
 * (re)established, since changes may have been missed meanwhile.
 */
import { getJob } from '../jobs/queue.js';
import { isFinished, type JobRow } from '../jobs/job-types.js';
import type { JobNotifications } from '../store/notifications.js';
import type { JobState } from '../store/schema.js';
import type { ServiceContext } from './context.js';

type Db = ServiceContext['db'];

export interface JobWatcher {
  /** The job's state and progress changed (as announced). */
  change(c: { state: JobState; progress: number }): void;
  /** The job as read (undefined: it is gone), or why it could not be read. */
  job(job: JobRow | undefined, error?: unknown): void;
}

/** A watch begun before its watcher is known (JobWatch.hold). */
export interface HeldWatch {
  /** Gives the watch its watcher; returns the end of the watch. */
  attach(watcher: JobWatcher): () => void;
  /** Drops the watch unused. */
  cancel(): void;
}

interface Watched {
  watchers: Set<JobWatcher>;
  reading: boolean;
  again: boolean;
  /** Changes announced so far (a read during which one came may be older than it). */
  changes: number;
}

/** Reads of a job whose answer is set aside because a change came meanwhile, before one is shown anyway. */
const MAX_STALE_READS = 5;

export class JobWatch {
  private readonly jobs = new Map<string, Watched>();
  private unsubscribe: (() => void) | undefined;
  /** Reads made so far (for tests and diagnostics). */
  reads = 0;

  constructor(
    private readonly db: Db,
    private readonly notifications: JobNotifications,
  ) {}

  /** How many jobs are watched now. */
  get watchedJobs(): number {
    return this.jobs.size;
  }

  /**
   * Starts watching the job before the caller reads it, so that its read is the first one
   * and the watch needs none of its own: what is announced from now on is kept in mind.
   * `attach` then gives the watch its watcher — with a read only if something came
   * meanwhile — and returns the end of the watch; `cancel` drops it unused.
   */
  hold(jobId: string): HeldWatch {
    this.unsubscribe ??= this.notifications.subscribe({
      onChange: (c) => {
        const w = this.jobs.get(c.id);
        if (!w) return;
        w.changes++;
        for (const watcher of [...w.watchers]) watcher.change(c);
        if (isFinished(c.state)) this.read(c.id);
      },
      onResync: () => {
        for (const id of this.jobs.keys()) this.read(id);
      },
    });
    let w = this.jobs.get(jobId);
    if (!w) {
      w = { watchers: new Set(), reading: false, again: false, changes: 0 };
      this.jobs.set(jobId, w);
    }
    // Stands in for the watcher until it is attached: notes whether anything came.
    let missed = false;
    const placeholder: JobWatcher = {
      change: () => void (missed = true),
      job: () => void (missed = true),
    };
    w.watchers.add(placeholder);
    const remove = (watcher: JobWatcher) => {
      const cur = this.jobs.get(jobId);
      if (!cur) return;
      cur.watchers.delete(watcher);
      if (cur.watchers.size === 0) this.jobs.delete(jobId);
    };
    return {
      attach: (watcher: JobWatcher) => {
        const cur = this.jobs.get(jobId)!;
        cur.watchers.add(watcher);
        remove(placeholder);
        if (missed) this.read(jobId);
        return () => remove(watcher);
      },
      cancel: () => remove(placeholder),
    };
  }

  /** Reads the job for all its watchers; while a read is under way, asks for one more after it. */
  private read(jobId: string): void {
    const w = this.jobs.get(jobId);
    if (!w) return;
    if (w.reading) {
      w.again = true;
      return;
    }
    w.reading = true;
    const run = async (): Promise<void> => {
      let setAside = 0;
      do {
        w.again = false;
        let job: JobRow | undefined;
        let error: unknown;
        const changesBefore = w.changes;
        try {
          this.reads++;
          job = await getJob(this.db, jobId);
        } catch (e) {
          error = e;
        }
        // A change announced while the read was under way may be newer than what it read
        // (its answer and the announcement come on different connections): the watchers
        // have that change already, so the read is set aside and made again, lest a stream
        // show RUNNING and then QUEUED.
        if (w.changes !== changesBefore && setAside < MAX_STALE_READS) {
          setAside++;
          w.again = true;
          continue;
        }
        for (const watcher of [...w.watchers]) watcher.job(job, error);
      } while (w.again && w.watchers.size > 0);
      w.reading = false;
    };
    void run();
  }
}
