/** A space's pages: where you are (org, space), its sections (assets, import, export, jobs). */
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { api } from '../api';
import { consolePath } from '../paths';
import { KIND_LABEL, spaceLabel, type Space } from '../types';
import { ErrorBanner, Loading, NavLink } from './ui';

export function SpaceFrame({ spaceId, children }: { spaceId: string; children: (space: Space) => ReactNode }) {
  const [space, setSpace] = useState<Space | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setSpace(null);
    api
      .spaces()
      .then((r) => {
        const s = r.items.find((x) => x.space_id === spaceId);
        if (s) setSpace(s);
        else setError(new Error('This space does not exist, or you may not see it.'));
      })
      .catch(setError);
  }, [spaceId]);

  if (error)
    return (
      <main id="main" className="page">
        <h1 tabIndex={-1}>Space not found</h1>
        <ErrorBanner error={error} />
        <Link href={consolePath('/')}>Pick a space</Link>
      </main>
    );
  if (!space)
    return (
      <main id="main" className="page">
        <Loading what="the space" />
      </main>
    );
  const tab = (href: string, label: string) => (
    <NavLink href={href} className="tab">
      {label}
    </NavLink>
  );
  return (
    <>
      <div className="spacebar">
        <nav aria-label="Breadcrumb" className="crumbs">
          <ol>
            <li>
              <Link href={consolePath('/')}>{space.org.name}</Link>
            </li>
            <li aria-current="page">
              <span className="kind">{KIND_LABEL[space.kind]}</span> <strong>{spaceLabel(space)}</strong>
            </li>
          </ol>
        </nav>
        <nav aria-label="Space" className="tabs">
          {tab('/assets', 'Assets')}
          {tab('/import', 'Import')}
          {tab('/export', 'Export')}
          <Link href={consolePath(`/jobs?space=${space.space_id}`)} className="tab">
            Jobs
          </Link>
        </nav>
      </div>
      <main id="main" className="page">
        {children(space)}
      </main>
    </>
  );
}
