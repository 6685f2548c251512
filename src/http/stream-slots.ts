/**
 * A cap on the event streams one user holds open in this process at once
 * (ASSETPORT_MAX_EVENT_STREAMS_PER_USER). Each open stream holds a connection and a little
 * memory, so a client that leaks them (or opens thousands) is refused with
 * too_many_requests past the cap instead of exhausting the process. Counted per process:
 * a stream lives in one process and its slot goes away with it.
 */
import { DomainError } from '../core/errors.js';

export class StreamSlots {
  private readonly open = new Map<string, number>();

  /** @param perUser streams one user may hold open (0: no cap). */
  constructor(private readonly perUser: number) {}

  /** Takes a slot for the user, or throws too_many_requests; returns the function that gives it back (once). */
  take(userId: string): () => void {
    const n = this.open.get(userId) ?? 0;
    if (this.perUser > 0 && n >= this.perUser) {
      throw new DomainError('too_many_requests', `You already have ${n} event streams open; close one first (at most ${this.perUser} per user).`, { retry_after_seconds: 1 });
    }
    this.open.set(userId, n + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
  }

  /** Streams the user holds open now. */
  openOf(userId: string): number {
    return this.open.get(userId) ?? 0;
  }
}
