import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet } from '../api/http';
import type { Metricas, Page, RegimeMetrica, TimelinePonto } from '../api/types';

export function useDashboardMetricas(competencia: string) {
  return useQuery({
    queryKey: ['dashboard', 'metricas', competencia],
    queryFn: () => apiGet<Metricas>('/api/v1/dashboard/metricas', { competencia }),
    placeholderData: keepPreviousData,
  });
}

/** The API answers a list envelope or a bare list; the chart wants the list. */
function itemsOf<T>(data: Page<T> | T[] | { items?: T[] }): T[] {
  return Array.isArray(data) ? data : (data.items ?? []);
}

export function useDashboardRegimes(competencia: string) {
  return useQuery({
    queryKey: ['dashboard', 'regimes', competencia],
    queryFn: async () => itemsOf(await apiGet<Page<RegimeMetrica> | RegimeMetrica[]>('/api/v1/dashboard/regimes', { competencia })),
    placeholderData: keepPreviousData,
  });
}

export function useDashboardTimeline(de: string, ate: string) {
  return useQuery({
    queryKey: ['dashboard', 'timeline', de, ate],
    queryFn: async () => itemsOf(await apiGet<Page<TimelinePonto> | TimelinePonto[]>('/api/v1/dashboard/timeline', { de, ate })),
    placeholderData: keepPreviousData,
  });
}
