import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import {
  dashboardGargalos, dashboardMetricas, dashboardRegimes,
  dashboardTimeline,
} from '../../client/sdk.gen';

/** `competencia` MM/AAAA, or '' for every competência. */
export function useDashboardMetricas(competencia: string) {
  return useQuery({
    queryKey: keys.dashboard.metricas(competencia),
    queryFn: () => unwrap(dashboardMetricas({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

export function useDashboardRegimes(competencia: string) {
  return useQuery({
    queryKey: keys.dashboard.regimes(competencia),
    queryFn: () => unwrap(dashboardRegimes({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

/** Per competência in [de, ate] (MM/AAAA). */
export function useDashboardTimeline(de: string, ate: string) {
  return useQuery({
    queryKey: keys.dashboard.timeline(de, ate),
    queryFn: () => unwrap(dashboardTimeline({ query: { de: de || undefined, ate: ate || undefined } })),
    placeholderData: keepPreviousData,
  });
}

/** The passos where the competência's open processes stand still. */
export function useGargalos(competencia: string) {
  return useQuery({
    queryKey: keys.dashboard.gargalos(competencia),
    queryFn: () => unwrap(dashboardGargalos({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}
