/** Undo a succeeded import, after saying what that does; then go to the undo job. */
import { useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../api';
import type { Job } from '../types';
import { ErrorBanner } from './ui';

export function UndoButton({ job }: { job: Job }) {
  const [, navigate] = useLocation();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function undo() {
    setBusy(true);
    setError(null);
    try {
      const r = await api.undo(job.id);
      navigate(`/jobs/${r.job_id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  if (!asking)
    return (
      <button type="button" className="button danger-outline" onClick={() => setAsking(true)}>
        Undo import…
      </button>
    );
  return (
    <div className="confirm" role="group" aria-labelledby="undo-question">
      <p id="undo-question">Restore every asset this import changed and remove every asset it created? It is refused if any of them changed since.</p>
      <ErrorBanner error={error} title="The undo was not started." />
      <div className="actions">
        <button type="button" className="button danger" disabled={busy} onClick={() => void undo()} autoFocus>
          {busy ? 'Starting…' : 'Undo the import'}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
