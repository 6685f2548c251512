/**
 * Import a package into the space: choose the ZIP and the mode (a conflict policy per type,
 * a name prefix, or a new numbered copy of the space), see the plan (a dry run: nothing is
 * written), then apply it and follow the job.
 */
import { useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../api';
import { consolePath } from '../paths';
import { DropZone } from '../components/DropZone';
import { PlanView } from '../components/PlanView';
import { ErrorBanner, Notice, PageTitle } from '../components/ui';
import { typesOfSpace, type ImportOptions, type Plan, type Policy, type Space } from '../types';

const POLICIES: Array<{ value: Policy; label: string }> = [
  { value: 'overwrite', label: 'overwrite — replace it' },
  { value: 'keep', label: 'keep — leave it as it is' },
  { value: 'skip-as-failed', label: 'skip — leave it, report it failed' },
  { value: 'fail', label: 'fail — refuse the import if it differs' },
  { value: 'fail-if-exists', label: 'fail if exists — refuse even if identical' },
];
const SECRET_TYPES = new Set(['Account', 'datasource']);
const defaultPolicy = (type: string): Policy => (SECRET_TYPES.has(type) ? 'keep' : 'overwrite');

export function Import({ space }: { space: Space }) {
  const [, navigate] = useLocation();
  const [file, setFile] = useState<File | null>(null);
  const [policy, setPolicy] = useState<Record<string, Policy>>({});
  const [prefix, setPrefix] = useState('');
  const [createNew, setCreateNew] = useState(false);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [busy, setBusy] = useState<'plan' | 'apply' | null>(null);
  const [error, setError] = useState<unknown>(null);

  const options = (): ImportOptions => ({ ...(Object.keys(policy).length > 0 ? { policy } : {}), ...(prefix ? { prefix } : {}), ...(createNew ? { create_new: true } : {}) });
  const changed = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setPlan(null);
  };

  async function run(dryRun: boolean) {
    if (!file) return;
    setBusy(dryRun ? 'plan' : 'apply');
    setError(null);
    try {
      const r = await api.upload(space.space_id, file, options(), dryRun);
      if ('job_id' in r) navigate(consolePath(`/jobs/${r.job_id}`));
      else setPlan(r);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <PageTitle>Import a package</PageTitle>
      <form
        className="import-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(true);
        }}
      >
        <section className="card" aria-labelledby="step-package">
          <h2 id="step-package">
            <span className="step">1</span> Package
          </h2>
          <DropZone file={file} onFile={changed(setFile)} />
        </section>
        <section className="card" aria-labelledby="step-mode">
          <h2 id="step-mode">
            <span className="step">2</span> Mode
          </h2>
          <fieldset className="policies-grid">
            <legend>When an asset of the same type and name already exists</legend>
            {typesOfSpace(space).map((t) => (
              <div className="field" key={t}>
                <label htmlFor={`policy-${t}`}>{t}</label>
                <select id={`policy-${t}`} value={policy[t] ?? ''} onChange={(e) => changed(setPolicy)(withPolicy(policy, t, e.target.value as Policy | ''))}>
                  <option value="">default ({defaultPolicy(t)})</option>
                  {POLICIES.map((p) => (
                    <option key={p.value} value={p.value}>
                      {p.label}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          </fieldset>
          <div className="mode-row">
            <div className="field">
              <label htmlFor="import-prefix">Name prefix</label>
              <input id="import-prefix" value={prefix} onChange={(e) => changed(setPrefix)(e.target.value)} placeholder="e.g. dev_" aria-describedby="prefix-hint" />
              <p id="prefix-hint" className="hint">
                Put in front of the names of {space.kind === 'instance' ? 'applications and tasks' : 'every asset'}.
              </p>
            </div>
            <div className="field checkbox">
              <input id="import-create-new" type="checkbox" checked={createNew} onChange={(e) => changed(setCreateNew)(e.target.checked)} aria-describedby="create-new-hint" />
              <label htmlFor="import-create-new">Create new</label>
              <p id="create-new-hint" className="hint">
                Import into a new numbered copy of this space instead of into it.
              </p>
            </div>
          </div>
        </section>
        <div className="actions">
          <button type="submit" className="button primary" disabled={!file || busy !== null}>
            {busy === 'plan' ? 'Planning…' : plan ? 'Plan again' : 'Plan import'}
          </button>
          <span className="muted small">A plan writes nothing: it shows what the import would do.</span>
        </div>
      </form>
      <ErrorBanner error={error} title={busy === 'apply' ? 'The import was not started.' : 'The package could not be planned.'} />
      {plan ? <PlanStep plan={plan} busy={busy} onApply={() => void run(false)} /> : null}
    </>
  );
}

const withPolicy = (cur: Record<string, Policy>, type: string, p: Policy | '') => {
  const next = { ...cur };
  if (p) next[type] = p;
  else delete next[type];
  return next;
};

function PlanStep({ plan, busy, onApply }: { plan: Plan; busy: 'plan' | 'apply' | null; onApply: () => void }) {
  return (
    <section className="card" aria-labelledby="step-plan">
      <h2 id="step-plan">
        <span className="step">3</span> Plan
      </h2>
      {plan.ok ? <Notice kind="success">The plan is ready: nothing has been written yet. Apply it to import.</Notice> : null}
      <PlanView plan={plan} caption="Plan: what the import would do to each asset" />
      <div className="actions">
        <button type="button" className="button primary" disabled={!plan.ok || busy !== null} onClick={onApply}>
          {busy === 'apply' ? 'Starting…' : 'Apply import'}
        </button>
        {!plan.ok ? <span className="muted small">Fix what blocks the import, or change the mode, and plan again.</span> : null}
      </div>
    </section>
  );
}
