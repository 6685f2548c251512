/** A space's assets: filter by type, search by name, open one to read its body (secrets masked). */
import { Fragment, useEffect, useMemo, useState } from 'react';
import { api } from '../api';
import { ErrorBanner, Loading, PageTitle, TableScroll, Time } from '../components/ui';
import { AssetBody } from '../components/AssetBody';
import { typesOfSpace, type Asset, type Space } from '../types';

/** Every asset of the space, a page of 1,000 at a time (stops at `cap`). */
export async function loadAllAssets(space: string, cap = 20_000): Promise<{ items: Asset[]; capped: boolean }> {
  const items: Asset[] = [];
  let after: string | null = null;
  do {
    const page = await api.assets(space, after);
    items.push(...page.items);
    after = page.next;
  } while (after && items.length < cap);
  return { items, capped: after !== null };
}

export function Assets({ space }: { space: Space }) {
  const [assets, setAssets] = useState<Asset[] | null>(null);
  const [capped, setCapped] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [type, setType] = useState('');
  const [search, setSearch] = useState('');
  const [open, setOpen] = useState<string | null>(null);

  useEffect(() => {
    loadAllAssets(space.space_id)
      .then((r) => {
        setAssets(r.items);
        setCapped(r.capped);
      })
      .catch(setError);
  }, [space.space_id]);

  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (assets ?? []).filter((a) => (!type || a.type === type) && (!q || a.name.toLowerCase().includes(q)));
  }, [assets, type, search]);

  return (
    <>
      <PageTitle>Assets</PageTitle>
      <ErrorBanner error={error} />
      <form className="toolbar" role="search" aria-label="Filter assets" onSubmit={(e) => e.preventDefault()}>
        <div className="field inline">
          <label htmlFor="asset-type">Type</label>
          <select id="asset-type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All types</option>
            {typesOfSpace(space).map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <div className="field inline grow">
          <label htmlFor="asset-search">Search</label>
          <input id="asset-search" type="search" placeholder="Name contains…" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <p className="muted count" aria-live="polite">
          {assets ? `${shown.length} of ${assets.length} asset${assets.length === 1 ? '' : 's'}` : ''}
        </p>
      </form>
      {capped ? <p className="muted">Only the first {assets?.length} assets are listed.</p> : null}
      {!assets ? <Loading what="assets" /> : shown.length === 0 ? <p className="empty">{assets.length === 0 ? 'This space has no assets yet.' : 'No asset matches the filter.'}</p> : <AssetTable assets={shown} open={open} setOpen={setOpen} />}
    </>
  );
}

function AssetTable({ assets, open, setOpen }: { assets: Asset[]; open: string | null; setOpen: (id: string | null) => void }) {
  return (
    <TableScroll label="Assets">
      <table className="table">
        <caption className="visually-hidden">Assets</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Revision
            </th>
            <th scope="col" className="hide-narrow">
              Updated
            </th>
          </tr>
        </thead>
        <tbody>
          {assets.map((a) => (
            <Fragment key={a.id}>
              <tr className={open === a.id ? 'open' : undefined}>
                <th scope="row">
                  <button type="button" className="disclosure" aria-expanded={open === a.id} aria-controls={`asset-${a.id}`} onClick={() => setOpen(open === a.id ? null : a.id)}>
                    <span className="chevron" aria-hidden="true" />
                    {a.name}
                  </button>
                </th>
                <td>
                  <span className="type">{a.type}</span>
                </td>
                <td>
                  <span className={`badge ${a.status === 'enabled' ? 'success' : 'neutral'}`}>{a.status}</span>
                </td>
                <td className="num">{a.revision}</td>
                <td className="hide-narrow">
                  <Time at={a.updated_at} />
                </td>
              </tr>
              {open === a.id ? (
                <tr className="detail-row">
                  <td colSpan={5} id={`asset-${a.id}`}>
                    <AssetBody asset={a} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
