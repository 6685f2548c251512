/** The console's frame: sign-in, then the header, the space bar and the pages. */
import { useCallback, useEffect, useState } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { api, setUnauthenticatedHandler, storedToken, storeToken } from './api';
import { SignIn } from './pages/SignIn';
import { Spaces } from './pages/Spaces';
import { Assets } from './pages/Assets';
import { Import } from './pages/Import';
import { Export } from './pages/Export';
import { Jobs } from './pages/Jobs';
import { JobPage } from './pages/JobPage';
import { SpaceFrame } from './components/SpaceFrame';
import { Loading, NavLink } from './components/ui';

type Who = { user: string; admin: boolean };

export function App() {
  const [who, setWho] = useState<Who | null>(null);
  const [checking, setChecking] = useState(() => storedToken() !== null);
  const [location] = useLocation();

  const signOut = useCallback(() => {
    storeToken(null);
    setWho(null);
  }, []);
  useEffect(() => setUnauthenticatedHandler(signOut), [signOut]);
  // Signing out revokes the token on the server too (so a copy of it stops working), then forgets it.
  const revokeAndSignOut = useCallback(() => {
    api
      .revokeToken()
      .catch(() => undefined)
      .finally(signOut);
  }, [signOut]);

  useEffect(() => {
    if (!storedToken()) return;
    api
      .whoami()
      .then((w) => setWho({ user: w.user, admin: w.admin }))
      .catch(() => storeToken(null))
      .finally(() => setChecking(false));
  }, []);

  // Each page's heading takes the focus, so a screen reader announces where a link led
  // (the sign-in form keeps it on its first field).
  useEffect(() => {
    if (!who) return;
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [location, who]);

  if (checking) return <Loading what="the console" />;
  if (!who) return <SignIn onSignedIn={(w) => setWho(w)} />;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="assetport console, home">
          <span className="brand-mark" aria-hidden="true">
            ap
          </span>
          assetport
        </Link>
        <nav aria-label="Main" className="topnav">
          <NavLink href="/">Spaces</NavLink>
          <NavLink href="/jobs">Jobs</NavLink>
        </nav>
        <div className="whoami">
          <span className="muted" aria-label={`Signed in as ${who.user}`}>
            {who.user}
          </span>
          <button type="button" className="button ghost small" onClick={revokeAndSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <Switch>
        <Route path="/">
          <Spaces />
        </Route>
        <Route path="/jobs">
          <Jobs />
        </Route>
        <Route path="/jobs/:id">{(p) => <JobPage key={p.id} id={p.id} />}</Route>
        <Route path="/spaces/:space" nest>
          {(p) => (
            <SpaceFrame spaceId={p.space}>
              {(space) => (
                <Switch>
                  <Route path="/assets">
                    <Assets space={space} />
                  </Route>
                  <Route path="/import">
                    <Import space={space} />
                  </Route>
                  <Route path="/export">
                    <Export space={space} />
                  </Route>
                  <Route>
                    <Redirect to="/assets" />
                  </Route>
                </Switch>
              )}
            </SpaceFrame>
          )}
        </Route>
        <Route>
          <main id="main" className="page">
            <h1 tabIndex={-1}>Page not found</h1>
            <p>
              There is no such page in the console. <Link href="/">Go to the spaces.</Link>
            </p>
          </main>
        </Route>
      </Switch>
    </>
  );
}
