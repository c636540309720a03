import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/http';
import {
  dashboardMetricasApiV1DashboardMetricasGet, dashboardRegimesApiV1DashboardRegimesGet,
  dashboardTimelineApiV1DashboardTimelineGet,
} from '../client/sdk.gen';

/** `competencia` MM/AAAA, or '' for every competência. */
export function useDashboardMetricas(competencia: string) {
  return useQuery({
    queryKey: ['dashboard', 'metricas', competencia],
    queryFn: () => unwrap(dashboardMetricasApiV1DashboardMetricasGet({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

export function useDashboardRegimes(competencia: string) {
  return useQuery({
    queryKey: ['dashboard', 'regimes', competencia],
    queryFn: () => unwrap(dashboardRegimesApiV1DashboardRegimesGet({ query: { competencia: competencia || undefined } })),
    placeholderData: keepPreviousData,
  });
}

/** Per competência in [de, ate] (MM/AAAA). */
export function useDashboardTimeline(de: string, ate: string) {
  return useQuery({
    queryKey: ['dashboard', 'timeline', de, ate],
    queryFn: () => unwrap(dashboardTimelineApiV1DashboardTimelineGet({ query: { de: de || undefined, ate: ate || undefined } })),
    placeholderData: keepPreviousData,
  });
}
