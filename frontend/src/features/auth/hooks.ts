import { useMutation, useQuery } from '@tanstack/react-query';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { login, me } from '../../client/sdk.gen';
import { useAuth } from '../../auth/AuthContext';

export function useMe() {
  const { token } = useAuth();
  return useQuery({
    queryKey: keys.me(token),
    queryFn: () => unwrap(me()),
    enabled: Boolean(token),
    staleTime: 5 * 60_000,
  });
}

/**
 * ADMIN and MANAGER may trigger syncs; the API enforces it, the UI only hides the buttons.
 * undefined while the signed-in user is still loading.
 */
export function useCanSync(): boolean | undefined {
  const me = useMe();
  if (!me.data) return undefined;
  return me.data.role === 'ADMIN' || me.data.role === 'MANAGER';
}

export function useLogin() {
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => unwrap(login({ body })),
  });
}
