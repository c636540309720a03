import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useLocation } from 'react-router-dom';
import { onUnauthorized } from '../api/http';
import { clearToken, getToken, setToken } from './token';

interface AuthState {
  token: string | null;
  signIn: (token: string) => void;
  signOut: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setTokenState] = useState<string | null>(() => getToken());
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();

  const signOut = useCallback(() => {
    clearToken();
    setTokenState(null);
    queryClient.clear();
  }, [queryClient]);

  const signIn = useCallback((value: string) => {
    setToken(value);
    setTokenState(value);
  }, []);

  // Any 401 from the API (expired or revoked token) ends the session and goes back to the login page.
  useEffect(() => {
    onUnauthorized(() => {
      signOut();
      if (!window.location.pathname.startsWith('/login')) {
        const next = window.location.pathname + window.location.search;
        navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
      }
    });
    return () => onUnauthorized(() => {});
  }, [navigate, signOut, location]);

  const value = useMemo(() => ({ token, signIn, signOut }), [token, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
