/**
 * How a running job's progress reaches its row (and, through the row's announcement, every
 * event stream): monotonic, and throttled. Nothing is written while the job is younger than
 * `afterMs` — a job that ends by then shows its states alone (RUNNING, then SUCCEEDED with
 * progress 1), and a short job costs no progress writes, which would be a commit and an
 * announcement to every process each. The value reached by then is written when that time
 * is up (if the job still runs); from then on, at most one write per 200 ms unless the
 * value moved by 5 % or more.
 */

/** A job's progress is first recorded once it has run this long. */
const PROGRESS_AFTER_MS = 200;
const EVERY_MS = 200;
const STEP = 0.05;

export class ProgressWrites {
  private last = -1;
  private lastAt = 0;
  private pending = -1;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly startedAt = Date.now();

  /** `write` records a value (it never throws, never waits). */
  constructor(
    private readonly write: (p: number) => void,
    private readonly afterMs = PROGRESS_AFTER_MS,
  ) {}

  report(p: number): void {
    if (this.ended || p <= this.last || p <= this.pending) return;
    const now = Date.now();
    const wait = this.startedAt + this.afterMs - now;
    if (wait > 0) {
      this.pending = p;
      this.timer ??= setTimeout(() => {
        if (!this.ended && this.pending > this.last) this.record(this.pending, Date.now());
      }, wait);
      return;
    }
    if (now - this.lastAt < EVERY_MS && p - this.last < STEP && p < 1) return;
    this.record(p, now);
  }

  /** The job has ended: nothing more is written. */
  end(): void {
    this.ended = true;
    clearTimeout(this.timer);
  }

  private record(p: number, now: number): void {
    this.last = p;
    this.lastAt = now;
    this.write(p);
  }
}
