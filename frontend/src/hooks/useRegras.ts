import { useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/http';
import { keys } from '../api/keys';
import { regras } from '../client/sdk.gen';

/** The backend's rules (the contract tabs, the "próximos a vencer" window, the process statuses). */
export function useRegras() {
  return useQuery({ queryKey: keys.regras, queryFn: () => unwrap(regras()), staleTime: Infinity });
}
