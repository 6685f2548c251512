/** Export the whole space, or the assets you choose (with what they refer to), as a package. */
import { useEffect, useMemo, useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../api';
import { consolePath } from '../paths';
import { ErrorBanner, Loading, PageTitle, TableScroll } from '../components/ui';
import { typesOfSpace, type Asset, type Space } from '../types';
import { loadAllAssets } from './Assets';

export function Export({ space }: { space: Space }) {
  const [, navigate] = useLocation();
  const [assets, setAssets] = useState<Asset[] | null>(null);
  const [scope, setScope] = useState<'all' | 'chosen'>('all');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [type, setType] = useState('');
  const [withDeps, setWithDeps] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    loadAllAssets(space.space_id)
      .then((r) => setAssets(r.items))
      .catch(setError);
  }, [space.space_id]);

  const shown = useMemo(() => (assets ?? []).filter((a) => !type || a.type === type), [assets, type]);
  const allShownChosen = shown.length > 0 && shown.every((a) => chosen.has(a.id));

  const toggle = (ids: string[], on: boolean) =>
    setChosen((cur) => {
      const next = new Set(cur);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const r = await api.startExport(space.space_id, scope === 'all' ? {} : { asset_ids: [...chosen], ...(withDeps ? { with_dependencies: true } : {}) });
      navigate(consolePath(`/jobs/${r.job_id}`));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  const count = scope === 'all' ? (assets?.length ?? 0) : chosen.size;
  return (
    <>
      <PageTitle>Export a package</PageTitle>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <fieldset className="radio-group">
          <legend>What to export</legend>
          <label>
            <input type="radio" name="scope" value="all" checked={scope === 'all'} onChange={() => setScope('all')} /> Every asset of the space
          </label>
          <label>
            <input type="radio" name="scope" value="chosen" checked={scope === 'chosen'} onChange={() => setScope('chosen')} /> The assets I choose
          </label>
        </fieldset>
        {scope === 'chosen' ? (
          <>
            <div className="toolbar">
              <div className="field inline">
                <label htmlFor="export-type">Type</label>
                <select id="export-type" value={type} onChange={(e) => setType(e.target.value)}>
                  <option value="">All types</option>
                  {typesOfSpace(space).map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </div>
              <div className="field checkbox inline">
                <input id="export-deps" type="checkbox" checked={withDeps} onChange={(e) => setWithDeps(e.target.checked)} />
                <label htmlFor="export-deps">With what they refer to</label>
              </div>
            </div>
            {!assets ? (
              <Loading what="assets" />
            ) : (
              <TableScroll label="Assets to export">
                <table className="table selectable">
                  <thead>
                    <tr>
                      <th scope="col" className="check">
                        <input type="checkbox" aria-label="Choose every asset listed" checked={allShownChosen} onChange={(e) => toggle(shown.map((a) => a.id), e.target.checked)} />
                      </th>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((a) => (
                      <tr key={a.id}>
                        <td className="check">
                          <input type="checkbox" id={`export-${a.id}`} checked={chosen.has(a.id)} onChange={(e) => toggle([a.id], e.target.checked)} />
                        </td>
                        <th scope="row">
                          <label htmlFor={`export-${a.id}`}>{a.name}</label>
                        </th>
                        <td>
                          <span className="type">{a.type}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </>
        ) : null}
        <ErrorBanner error={error} title="The export was not started." />
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy || count === 0}>
            {busy ? 'Starting…' : scope === 'all' ? `Export all ${count} assets` : `Export ${count} chosen asset${count === 1 ? '' : 's'}`}
          </button>
          <span className="muted small">The package is made by a job; download it from the job's page.</span>
        </div>
      </form>
    </>
  );
}
