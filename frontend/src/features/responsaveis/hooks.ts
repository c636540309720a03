import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { dashboardResponsaveis } from '../../client/sdk.gen';

/** Workload per responsável of one competência (MM/AAAA; '' for every competência). */
export function useResponsaveis(competencia: string) {
  return useQuery({
    queryKey: keys.dashboard.responsaveis(competencia),
    queryFn: () => unwrap(dashboardResponsaveis({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}
