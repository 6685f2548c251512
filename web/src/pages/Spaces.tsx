/** Pick an org and one of its spaces. */
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api';
import { ErrorBanner, Loading, PageTitle, TableScroll } from '../components/ui';
import { KIND_LABEL, spaceLabel, type Org, type Space } from '../types';

const ORG_KEY = 'assetport.org';

export function Spaces() {
  const [orgs, setOrgs] = useState<Org[] | null>(null);
  const [org, setOrg] = useState<string>(() => localStorage.getItem(ORG_KEY) ?? '');
  const [spaces, setSpaces] = useState<Space[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api
      .orgs()
      .then((r) => {
        setOrgs(r.items);
        setOrg((cur) => (r.items.some((o) => o.id === cur) ? cur : (r.items[0]?.id ?? '')));
      })
      .catch(setError);
  }, []);

  useEffect(() => {
    if (!org) return;
    localStorage.setItem(ORG_KEY, org);
    setSpaces(null);
    api
      .spaces(org)
      .then((r) => setSpaces(r.items))
      .catch(setError);
  }, [org]);

  return (
    <main id="main" className="page">
      <PageTitle>Spaces</PageTitle>
      <p className="muted lead">A space holds assets: a ROMA instance, a SnapLogic API version or project. Pick one to browse, import into or export from.</p>
      <ErrorBanner error={error} />
      {!orgs ? (
        <Loading what="organisations" />
      ) : orgs.length === 0 ? (
        <p>You may not see any organisation yet. Ask an administrator for a role in one.</p>
      ) : (
        <>
          <div className="toolbar">
            <div className="field inline">
              <label htmlFor="org-select">Organisation</label>
              <select id="org-select" value={org} onChange={(e) => setOrg(e.target.value)}>
                {orgs.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {!spaces ? <Loading what="spaces" /> : <SpaceTable spaces={spaces} />}
        </>
      )}
    </main>
  );
}

function SpaceTable({ spaces }: { spaces: Space[] }) {
  if (spaces.length === 0) return <p className="empty">This organisation has no space you may see.</p>;
  return (
    <TableScroll label="Spaces">
      <table className="table">
        <caption className="visually-hidden">Spaces of the organisation</caption>
        <thead>
          <tr>
            <th scope="col">Space</th>
            <th scope="col">Kind</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {spaces.map((s) => (
            <tr key={s.space_id}>
              <th scope="row">
                <Link href={`/spaces/${s.space_id}/assets`} className="strong-link">
                  {spaceLabel(s)}
                </Link>
                {s.kind === 'api_version' && s.published ? <span className="badge neutral">published</span> : null}
              </th>
              <td>{KIND_LABEL[s.kind]}</td>
              <td className="row-actions">
                <span>
                <Link href={`/spaces/${s.space_id}/import`} aria-label={`Import into ${spaceLabel(s)}`}>
                  Import
                </Link>
                <Link href={`/spaces/${s.space_id}/export`} aria-label={`Export from ${spaceLabel(s)}`}>
                  Export
                </Link>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
