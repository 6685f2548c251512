/** Jobs you may see, newest first: what, how far, who, when; filter by state, kind and space. */
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { api } from '../api';
import { ErrorBanner, JobProgress, Loading, PageTitle, StateBadge, TableScroll, Time } from '../components/ui';
import { isFinished, spaceLabel, type JobListItem, type Space } from '../types';

const STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const KINDS = ['import', 'export', 'undo', 'delete', 'migrate'];

/** A job's few numbers, in words. */
function summaryText(j: { kind: string; summary: Record<string, number> | null }): string {
  const s = j.summary;
  if (!s) return '';
  if (j.kind === 'export') return `${s.asset_count ?? 0} assets`;
  if (j.kind === 'undo') return `${s.restored ?? 0} restored, ${s.removed ?? 0} removed`;
  return Object.entries(s)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

export function Jobs() {
  const params = new URLSearchParams(useSearch());
  const spaceFilter = params.get('space') ?? '';
  const [state, setState] = useState('');
  const [kind, setKind] = useState('');
  const [items, setItems] = useState<JobListItem[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [spaces, setSpaces] = useState<Map<string, Space>>(new Map());
  const [error, setError] = useState<unknown>(null);

  const query = useCallback(
    (cursor?: string) => {
      const q = new URLSearchParams({ limit: '50' });
      if (state) q.set('state', state);
      if (kind) q.set('kind', kind);
      if (spaceFilter) q.set('space', spaceFilter);
      if (cursor) q.set('cursor', cursor);
      return q;
    },
    [state, kind, spaceFilter],
  );

  const reload = useCallback(() => {
    api
      .jobs(query())
      .then((p) => {
        setItems(p.items);
        setNext(p.next);
        setError(null);
      })
      .catch(setError);
  }, [query]);

  useEffect(reload, [reload]);
  useEffect(() => {
    api
      .spaces()
      .then((r) => setSpaces(new Map(r.items.map((s) => [s.space_id, s]))))
      .catch(() => undefined);
  }, []);
  // While a job is queued or running, the list follows it.
  const active = items?.some((j) => !isFinished(j.state)) ?? false;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(reload, 2000);
    return () => clearInterval(t);
  }, [active, reload]);

  const more = () =>
    next &&
    api
      .jobs(query(next))
      .then((p) => {
        setItems((cur) => [...(cur ?? []), ...p.items]);
        setNext(p.next);
      })
      .catch(setError);

  const filtered = spaceFilter ? spaces.get(spaceFilter) : undefined;
  return (
    <main id="main" className="page">
      <PageTitle aside={<button type="button" className="button secondary small" onClick={reload}>Refresh</button>}>Jobs{filtered ? ` in ${spaceLabel(filtered)}` : ''}</PageTitle>
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="jobs-state">State</label>
          <select id="jobs-state" value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">Any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="jobs-kind">Kind</label>
          <select id="jobs-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">Any</option>
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </div>
        {spaceFilter ? (
          <Link href="/jobs" className="small">
            Show every space
          </Link>
        ) : null}
      </div>
      <ErrorBanner error={error} />
      {!items ? <Loading what="jobs" /> : items.length === 0 ? <p className="empty">No job matches.</p> : <JobTable items={items} spaces={spaces} />}
      {next ? (
        <button type="button" className="button secondary" onClick={() => void more()}>
          Load more
        </button>
      ) : null}
    </main>
  );
}

function JobTable({ items, spaces }: { items: JobListItem[]; spaces: Map<string, Space> }) {
  return (
    <TableScroll label="Jobs">
      <table className="table jobs-table">
        <caption className="visually-hidden">Jobs</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Progress</th>
            <th scope="col">Space</th>
            <th scope="col">Who</th>
            <th scope="col">When</th>
            <th scope="col" className="hide-narrow">
              Result
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((j) => {
            const space = j.space_id ? spaces.get(j.space_id) : undefined;
            return (
              <tr key={j.id}>
                <th scope="row">
                  <Link href={`/jobs/${j.id}`} className="strong-link">
                    {j.kind}
                  </Link>
                  <code className="id">{j.id.slice(0, 8)}</code>
                </th>
                <td>
                  <StateBadge state={j.state} />
                  {j.undone_by ? <span className="badge neutral">undone</span> : null}
                </td>
                <td>
                  <JobProgress progress={j.progress} label={`Progress of ${j.kind} job ${j.id.slice(0, 8)}`} />
                </td>
                <td>{space ? spaceLabel(space) : <span className="muted">{j.space_id ? '—' : 'deleted'}</span>}</td>
                <td>{j.author}</td>
                <td>
                  <Time at={j.created_at} />
                </td>
                <td className="hide-narrow">{j.first_reason ? <span className="danger-text">{j.first_reason.message}</span> : summaryText(j)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}
