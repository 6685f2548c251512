/** Small pieces every page uses: loading and error notices, badges, progress, times. */
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import type { JobState } from '../types';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function ErrorBanner({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  return (
    <div className="banner error" role="alert">
      <strong>{title ?? 'Something went wrong.'}</strong> {message}
      {code && code !== 'network' ? <code className="code">{code}</code> : null}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`banner ${kind}`} role="status">
      {children}
    </div>
  );
}

const STATE_CLASS: Record<JobState, string> = { QUEUED: 'neutral', RUNNING: 'info', SUCCEEDED: 'success', FAILED: 'danger', CANCELLED: 'neutral' };

export function StateBadge({ state }: { state: JobState }) {
  return <span className={`badge ${STATE_CLASS[state]}`}>{state.toLowerCase()}</span>;
}

export function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

export function JobProgress({ progress, label }: { progress: number; label: string }) {
  const pct = Math.round(progress * 100);
  return (
    <div className="progress">
      <progress max={100} value={pct} aria-label={label} />
      <span className="progress-value" aria-hidden="true">
        {pct} %
      </span>
    </div>
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  return <time dateTime={at}>{timeFormat.format(new Date(at))}</time>;
}

/** How long between two instants, in words a person reads at a glance. */
export function duration(from: string | null, to: string | null): string {
  if (!from || !to) return '—';
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/** A page's heading, which takes the focus when the page opens. */
export function PageTitle({ children, aside }: { children: ReactNode; aside?: ReactNode }) {
  return (
    <div className="page-title">
      <h1 tabIndex={-1}>{children}</h1>
      {aside ? <div className="page-actions">{aside}</div> : null}
    </div>
  );
}

/** A table that scrolls sideways on its own on a narrow screen (reachable with the keyboard). */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** A navigation link that says (aria-current) and shows when it is where you are. */
export function NavLink({ href, children, className = '' }: { href: string; children: ReactNode; className?: string }) {
  const [location] = useLocation();
  const active = href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`);
  return (
    <Link href={href} className={`${className}${active ? ' active' : ''}`.trim()} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}
