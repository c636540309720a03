import { useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiPost } from '../api/http';
import type { Token, Usuario } from '../api/types';
import { useAuth } from '../auth/AuthContext';

export function useMe() {
  const { token } = useAuth();
  return useQuery({
    queryKey: ['auth', 'me', token],
    queryFn: () => apiGet<Usuario>('/api/v1/auth/me'),
    enabled: Boolean(token),
    staleTime: 5 * 60_000,
  });
}

/** ADMIN and MANAGER may trigger syncs; the API enforces it, the UI only hides the buttons. */
export function useCanSync(): boolean {
  const me = useMe();
  return me.data?.role === 'ADMIN' || me.data?.role === 'MANAGER';
}

export function useLogin() {
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => apiPost<Token>('/api/v1/auth/login', body),
  });
}
