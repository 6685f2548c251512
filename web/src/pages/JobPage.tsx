/**
 * One job: its state and live progress (followed over the event stream while it runs), why
 * it failed, what it did — an import's per-asset outcome, an export's package to download,
 * an undo's counts — and, for a succeeded import, the way to undo it.
 */
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api';
import { followJob } from '../events';
import { PlanView } from '../components/PlanView';
import { formatBytes } from '../components/DropZone';
import { ErrorBanner, JobProgress, Loading, Notice, PageTitle, StateBadge, Time, duration } from '../components/ui';
import { UndoButton } from '../components/UndoButton';
import { isFinished, spaceLabel, type Job, type Plan } from '../types';

function useLiveJob(id: string): { job: Job | null; live: boolean; error: unknown } {
  const [job, setJob] = useState<Job | null>(null);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      const first = await api.job(id);
      setJob(first);
      if (isFinished(first.state)) return;
      setLive(true);
      await followJob(
        id,
        (e) => {
          if (e.event === 'done') setJob(e.data);
          else setJob((cur) => (cur ? { ...cur, state: e.data.state, progress: e.data.progress } : cur));
        },
        abort.signal,
      );
      // The stream ended: read the job once more, whatever the stream carried.
      setJob(await api.job(id));
    })()
      .catch((e: unknown) => {
        if (!abort.signal.aborted) setError(e);
      })
      .finally(() => setLive(false));
    return () => abort.abort();
  }, [id]);
  return { job, live, error };
}

const sentence = (state: string): string => state.charAt(0) + state.slice(1).toLowerCase();

/** How the job's space is named to people, once the spaces are read. */
function useSpaceName(spaceId: string | null): string | null {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    if (!spaceId) return;
    api
      .spaces()
      .then((r) => {
        const s = r.items.find((x) => x.space_id === spaceId);
        if (s) setName(`${s.org.name} › ${spaceLabel(s)}`);
      })
      .catch(() => undefined);
  }, [spaceId]);
  return name;
}

export function JobPage({ id }: { id: string }) {
  const { job, live, error } = useLiveJob(id);
  const spaceName = useSpaceName(job?.space_id ?? null);
  if (!job)
    return (
      <main id="main" className="page">
        {error ? <h1 tabIndex={-1}>Job not found</h1> : null}
        {error ? <ErrorBanner error={error} /> : <Loading what="the job" />}
      </main>
    );
  const pct = Math.round(job.progress * 100);
  return (
    <main id="main" className="page">
      <p className="back">
        <Link href={job.space_id ? `/jobs?space=${job.space_id}` : '/jobs'}>← Jobs</Link>
      </p>
      <PageTitle aside={<JobActions job={job} />}>
        <span className="capitalize">{job.kind}</span> job <StateBadge state={job.state} />
      </PageTitle>
      <ErrorBanner error={error} title="Lost the job's live progress." />
      <section className="card job-status" aria-label="Progress">
        <JobProgress progress={job.progress} label={`Progress of the ${job.kind}`} />
        <p className="live" aria-live="polite" role="status">
          {live ? <span className="live-dot" aria-hidden="true" /> : null}
          {live ? `Live: ${job.state.toLowerCase()}, ${pct} %` : `${sentence(job.state)}${job.finished_at ? ` after ${duration(job.started_at ?? job.created_at, job.finished_at)}` : ''}`}
        </p>
        <dl className="facts">
          <div>
            <dt>Id</dt>
            <dd>
              <code>{job.id}</code>
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>
              <Time at={job.created_at} />
            </dd>
          </div>
          <div>
            <dt>Finished</dt>
            <dd>
              <Time at={job.finished_at} />
            </dd>
          </div>
          <div>
            <dt>Space</dt>
            <dd>{job.space_id ? <Link href={`/spaces/${job.space_id}/assets`}>{spaceName ?? 'open the space'}</Link> : <span className="muted">deleted</span>}</dd>
          </div>
        </dl>
      </section>
      {job.reasons.length > 0 ? (
        <section className="banner error" aria-label="Reasons">
          <strong>Why it failed</strong>
          <ul>
            {job.reasons.map((r, i) => (
              <li key={i}>
                {r.message} <code className="code">{r.code}</code>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <JobResult job={job} />
    </main>
  );
}

function JobActions({ job }: { job: Job }) {
  const [error, setError] = useState<unknown>(null);
  const result = job.result as (Plan & { undone_by?: string }) | null;
  if (job.kind === 'export' && job.state === 'SUCCEEDED' && job.archive)
    return (
      <>
        <button type="button" className="button primary" onClick={() => api.downloadArchive(job).catch(setError)}>
          Download package
        </button>
        <ErrorBanner error={error} title="The download failed." />
      </>
    );
  if (job.kind === 'import' && job.state === 'SUCCEEDED' && !result?.undone_by) return <UndoButton job={job} />;
  return null;
}

function JobResult({ job }: { job: Job }) {
  if (!job.result) return null;
  if (job.kind === 'import') {
    const plan = job.result as Plan & { undone_by?: string };
    return (
      <section aria-labelledby="outcome-title">
        <h2 id="outcome-title">Outcome</h2>
        {plan.undone_by ? (
          <Notice>
            This import was undone by <Link href={`/jobs/${plan.undone_by}`}>undo job {plan.undone_by.slice(0, 8)}</Link>.
          </Notice>
        ) : null}
        <PlanView plan={plan} caption="Outcome: what the import did to each asset" />
      </section>
    );
  }
  if (job.kind === 'export') {
    const r = job.result as { asset_count: number; bytes: number; file_name: string; missing_dependencies?: Array<{ type: string; name: string; from: string }> };
    return (
      <section className="card" aria-labelledby="outcome-title">
        <h2 id="outcome-title">Package</h2>
        <p>
          <strong>{r.file_name}</strong> — {r.asset_count} assets, {formatBytes(r.bytes)}
        </p>
        {r.missing_dependencies && r.missing_dependencies.length > 0 ? (
          <Notice kind="warning">Not in the space, so not in the package: {r.missing_dependencies.map((m) => `${m.type} ${m.name} (from ${m.from})`).join(', ')}</Notice>
        ) : null}
      </section>
    );
  }
  if (job.kind === 'undo') {
    const r = job.result as { import_job_id: string; removed: number; restored: number; removed_space: boolean };
    return (
      <section className="card" aria-labelledby="outcome-title">
        <h2 id="outcome-title">Undone</h2>
        <p>
          {r.restored} assets restored to their state before the import, {r.removed} removed{r.removed_space ? ', and the space the import created removed' : ''}. <Link href={`/jobs/${r.import_job_id}`}>The import job</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="outcome-title">
      <h2 id="outcome-title">Result</h2>
      <pre className="json">{JSON.stringify(job.result, null, 2)}</pre>
    </section>
  );
}
