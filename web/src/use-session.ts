import { createContext, useContext } from 'react';
import type { Session } from './session';

/** The signed-in session, provided by the app to every screen below it. */
export const SessionContext = createContext<Session | null>(null);

/** The signed-in session: every screen talks to the API through its client. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in dashboard');
  return session;
}
