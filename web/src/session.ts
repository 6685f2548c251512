/** Who is signed in: the token (kept for the browser tab's session) and whose it is. */
import { createContext, useContext } from 'react';

export interface Session {
  user: string;
  admin: boolean;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}
