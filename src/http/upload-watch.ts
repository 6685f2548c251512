/**
 * Reading an upload from the client: errors of the multipart parser or the connection
 * become client errors (never a 500), and a client sending slower than a floor is cut off.
 *
 * The rate is measured over the time spent waiting for the client only — while the
 * service writes what arrived (and so reads nothing), the client is not to blame — as the
 * bytes received on the connection in the last `windowMs` of waiting.
 */
import type { IncomingMessage } from 'node:http';
import { isDomainError } from '../core/errors.js';
import { MalformedBodyError, multipartProblem, SlowUploadError } from './http-errors.js';

export interface RateFloor {
  minBytesPerSecond: number;
  windowMs: number;
}

export class UploadWatch {
  private readonly abort = new AbortController();
  private waitedMs = 0;
  private waitingSince: number | undefined;
  /** (waiting time, bytes read on the connection) at each tick. */
  private samples: Array<[number, number]> = [];
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly raw: IncomingMessage, private readonly floor: RateFloor) {
    if (floor.minBytesPerSecond > 0) {
      this.timer = setInterval(() => this.check(), Math.max(20, Math.min(1000, Math.floor(floor.windowMs / 10))));
      this.timer.unref();
    }
  }

  private bytesRead(): number {
    return this.raw.socket?.bytesRead ?? 0;
  }

  private waitedNow(): number {
    return this.waitedMs + (this.waitingSince !== undefined ? Date.now() - this.waitingSince : 0);
  }

  private check(): void {
    const waited = this.waitedNow();
    const bytes = this.bytesRead();
    this.samples.push([waited, bytes]);
    const from = waited - this.floor.windowMs;
    if (from < 0) return;
    // The bytes read when the window began: the last sample at or before its start.
    let i = 0;
    while (i + 1 < this.samples.length && this.samples[i + 1]![0] <= from) i++;
    this.samples = this.samples.slice(i);
    const got = bytes - this.samples[0]![1];
    if (got < (this.floor.minBytesPerSecond * this.floor.windowMs) / 1000) {
      this.stop();
      this.abort.abort(new SlowUploadError(this.floor.minBytesPerSecond, this.floor.windowMs / 1000));
    }
  }

  /** Waits for `next`, counting the wait; throws when the client was too slow or its body is malformed. */
  async wait<T>(next: Promise<T>): Promise<T> {
    const signal = this.abort.signal;
    if (signal.aborted) throw signal.reason;
    this.waitingSince = Date.now();
    let onAbort: (() => void) | undefined;
    try {
      return await Promise.race([
        next,
        new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason as Error);
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (e) {
      throw clientError(e);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      if (this.waitingSince !== undefined) this.waitedMs += Date.now() - this.waitingSince;
      this.waitingSince = undefined;
    }
  }

  /** The pieces of a stream from the client, each waited for under the watch. */
  async *read<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    const it = source[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const r = await this.wait(it.next());
        if (r.done) {
          finished = true;
          return;
        }
        yield r.value;
      }
    } finally {
      // Not awaited: a next() may still be pending on a client that stopped sending.
      if (!finished) void it.return?.().catch(() => undefined);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** An error while reading the client's body, as a client error. */
function clientError(e: unknown): unknown {
  if (isDomainError(e) || e instanceof SlowUploadError || e instanceof MalformedBodyError) return e;
  const status = (e as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return e;
  const known = multipartProblem(e);
  return new MalformedBodyError(known ?? 'the connection or the multipart data broke off');
}
