/**
 * Job changes as PostgreSQL announces them (migration 007: a trigger NOTIFYs the channel
 * `assetport_jobs` on each new job and each change of a job's state or progress), fanned
 * out to the subscribers of this process. A process holds ONE listening connection,
 * opened at the first subscription: on PostgreSQL a client of its own (not one of the
 * pool's), which reconnects with backoff after it is lost (a database restart, a
 * terminated backend) and listens again; on the embedded database the thread that runs it
 * forwards what it is told.
 *
 * Notifications sent while the connection was down are lost: after every (re)connection
 * subscribers are told to resync (read again whatever they watch).
 */
import pg from 'pg';
import type { JobState } from './schema.js';

const JOB_CHANNEL = 'assetport_jobs';

export interface JobChange {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
}

export interface JobChangeSubscriber {
  onChange(change: JobChange): void;
  /** The listening connection was (re)established: changes may have been missed. */
  onResync?(): void;
}

/** Something that delivers a channel's payloads: `onListening` each time it (re)starts to listen. */
export interface NotificationSource {
  start(channel: string, onPayload: (payload: string) => void, onListening: () => void): void;
  close(): Promise<void>;
}

function parseJobChange(payload: string): JobChange | undefined {
  try {
    const v = JSON.parse(payload) as Partial<JobChange>;
    if (typeof v.id !== 'string' || typeof v.kind !== 'string' || typeof v.state !== 'string' || typeof v.progress !== 'number') return undefined;
    return { id: v.id, kind: v.kind, state: v.state, progress: v.progress };
  } catch {
    return undefined;
  }
}

export class JobNotifications {
  private readonly subscribers = new Set<JobChangeSubscriber>();
  private started = false;
  private closed = false;

  constructor(private readonly source: NotificationSource) {}

  /** Starts listening (at the first call) and adds the subscriber; returns its removal. */
  subscribe(s: JobChangeSubscriber): () => void {
    this.subscribers.add(s);
    if (!this.started && !this.closed) {
      this.started = true;
      this.source.start(
        JOB_CHANNEL,
        (payload) => {
          const change = parseJobChange(payload);
          if (change) for (const sub of [...this.subscribers]) sub.onChange(change);
        },
        () => {
          for (const sub of [...this.subscribers]) sub.onResync?.();
        },
      );
    }
    return () => void this.subscribers.delete(s);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    if (this.started) await this.source.close();
  }
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

/** A dedicated PostgreSQL connection that LISTENs, and connects again (with backoff) whenever it is lost. */
export class PgNotificationSource implements NotificationSource {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private backoff = BACKOFF_MIN_MS;

  constructor(
    private readonly url: string,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  start(channel: string, onPayload: (payload: string) => void, onListening: () => void): void {
    const connect = async (): Promise<void> => {
      if (this.closed) return;
      const client = new pg.Client({ connectionString: this.url, application_name: 'assetport-listen' });
      this.client = client;
      let lost = false;
      const again = (e?: unknown): void => {
        if (lost) return;
        lost = true;
        if (e) this.onError(e);
        client.removeAllListeners('notification');
        client.end().catch(() => undefined);
        if (this.closed) return;
        this.retry = setTimeout(() => void connect(), this.backoff);
        this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
      };
      client.on('error', again);
      client.on('end', () => again());
      client.on('notification', (m) => {
        if (m.channel === channel && m.payload !== undefined) onPayload(m.payload);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${channel}`);
      } catch (e) {
        again(e);
        return;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.backoff = BACKOFF_MIN_MS;
      onListening();
    };
    void connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    if (c) await c.end().catch(() => undefined);
  }
}
