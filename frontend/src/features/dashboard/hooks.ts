import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import {
  dashboardGargalos, dashboardMetricas, dashboardRegimes,
  dashboardTimeline, resumo,
} from '../../client/sdk.gen';

/** The office's open processos and pending obrigações as of today (GET /api/v1/resumo). */
export function useResumo() {
  return useQuery({ queryKey: keys.dashboard.resumo(), queryFn: () => unwrap(resumo()) });
}

/** `competencia` MM/AAAA, or '' for every competência; undefined waits (for GET /api/v1/regras). */
export function useDashboardMetricas(competencia: string | undefined) {
  return useQuery({
    enabled: competencia !== undefined,
    queryKey: keys.dashboard.metricas(competencia ?? ''),
    queryFn: () => unwrap(dashboardMetricas({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

export function useDashboardRegimes(competencia: string | undefined) {
  return useQuery({
    enabled: competencia !== undefined,
    queryKey: keys.dashboard.regimes(competencia ?? ''),
    queryFn: () => unwrap(dashboardRegimes({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

/** Per competência in [de, ate] (MM/AAAA). */
export function useDashboardTimeline(de: string | undefined, ate: string | undefined) {
  return useQuery({
    enabled: de !== undefined && ate !== undefined,
    queryKey: keys.dashboard.timeline(de ?? '', ate ?? ''),
    queryFn: () => unwrap(dashboardTimeline({ query: { de: de || undefined, ate: ate || undefined } })),
    placeholderData: keepPreviousData,
  });
}

/** The passos where the competência's open processes stand still. */
export function useGargalos(competencia: string | undefined) {
  return useQuery({
    enabled: competencia !== undefined,
    queryKey: keys.dashboard.gargalos(competencia ?? ''),
    queryFn: () => unwrap(dashboardGargalos({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}
