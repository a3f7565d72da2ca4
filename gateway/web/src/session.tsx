import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { accounts, setUnauthorizedHandler, type Me } from './api';

interface SessionValue {
  me: Me | null;
  loading: boolean;
  refresh: () => Promise<Me | null>;
  signOut: () => Promise<void>;
  expired: boolean;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const [expired, setExpired] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const value = await accounts.me();
      setMe(value);
      setExpired(false);
      return value;
    } catch {
      setMe(null);
      return null;
    } finally {
      setLoading(false);
    }
  }, []);

  const signOut = useCallback(async () => {
    try {
      await accounts.logout();
    } finally {
      setMe(null);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe((previous) => {
        if (previous) setExpired(true);
        return null;
      });
    });
    void refresh();
  }, [refresh]);

  const value = useMemo(() => ({ me, loading, refresh, signOut, expired }), [me, loading, refresh, signOut, expired]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}
