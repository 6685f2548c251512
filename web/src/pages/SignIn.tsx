/** Sign in with a user name and password: the console keeps the token for this browser tab. */
import { useState, type FormEvent } from 'react';
import { api, storeToken } from '../api';
import { ErrorBanner } from '../components/ui';

export function SignIn({ onSignedIn }: { onSignedIn: (who: { user: string; admin: boolean }) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { token } = await api.signIn(user, password);
      storeToken(token);
      const w = await api.whoami();
      onSignedIn({ user: w.user, admin: w.admin });
    } catch (err) {
      storeToken(null);
      setError(err);
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="brand large" aria-hidden="true">
          <span className="brand-mark">ap</span> assetport
        </div>
        <h1 id="signin-title" tabIndex={-1}>
          Sign in to the console
        </h1>
        <p className="muted">Promote integration assets between environments: plan, import, watch, undo.</p>
        <ErrorBanner error={error} title="Could not sign in." />
        <div className="field">
          <label htmlFor="signin-user">User name</label>
          <input id="signin-user" name="user" autoComplete="username" required autoFocus value={user} onChange={(e) => setUser(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="signin-password">Password</label>
          <input id="signin-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
