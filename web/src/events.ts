/**
 * A job's live progress: the native event stream (GET /api/v1/jobs/{id}/events, Server-Sent
 * Events) read with fetch, because it needs the Authorization header, which EventSource
 * can't send. `state` and `progress` events move the job along; `done` carries the whole
 * finished job.
 */
import { call } from './api';
import type { Job, JobState } from './types';

export type JobEvent = { event: 'state' | 'progress'; data: { state: JobState; progress: number } } | { event: 'done'; data: Job };

/** Splits a Server-Sent Events text into its complete events; returns them and the unfinished rest. */
export function parseEvents(text: string): { events: Array<{ event: string; data: string }>; rest: string } {
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: Array<{ event: string; data: string }> = [];
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue; // a comment (keep-alive)
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

/** Follows a job's events until `done` (or until `signal` aborts); calls `onEvent` for each. */
export async function followJob(id: string, onEvent: (e: JobEvent) => void, signal: AbortSignal): Promise<void> {
  const r = await call(`/jobs/${id}/events`, { signal, headers: { accept: 'text/event-stream' } });
  if (!r.body) return;
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      const { events, rest } = parseEvents(buffered + value);
      buffered = rest;
      for (const e of events) {
        if (e.event === 'state' || e.event === 'progress' || e.event === 'done') onEvent({ event: e.event, data: JSON.parse(e.data) } as JobEvent);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
