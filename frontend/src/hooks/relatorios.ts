import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/http';
import {
  dashboardGargalosApiV1DashboardGargalosGet, dashboardResponsaveisApiV1DashboardResponsaveisGet,
  listRelatoriosApiV1RelatoriosGet,
} from '../client/sdk.gen';

/** Workload per responsável of one competência (MM/AAAA; '' for every competência). */
export function useResponsaveis(competencia: string) {
  return useQuery({
    queryKey: ['dashboard', 'responsaveis', competencia],
    queryFn: () => unwrap(dashboardResponsaveisApiV1DashboardResponsaveisGet({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

/** The passos where the competência's open processes stand. */
export function useGargalos(competencia: string) {
  return useQuery({
    queryKey: ['dashboard', 'gargalos', competencia],
    queryFn: () => unwrap(dashboardGargalosApiV1DashboardGargalosGet({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

/** The reports the daily job stored (the last 30). */
export function useRelatorios() {
  return useQuery({ queryKey: ['relatorios'], queryFn: () => unwrap(listRelatoriosApiV1RelatoriosGet()) });
}
