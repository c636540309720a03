import { keepPreviousData, queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import {
  dashboardGargalos, dashboardMetricas, dashboardRegimes,
  dashboardTimeline, listAlteracoes, regras, resumo,
} from '../../client/sdk.gen';

// Each query's key and function in one place: the hooks below and prefetchDashboard use the same.
const resumoQuery = () => queryOptions({ queryKey: keys.dashboard.resumo(), queryFn: () => unwrap(resumo()) });
const metricasQuery = (competencia: string) => queryOptions({
  queryKey: keys.dashboard.metricas(competencia),
  queryFn: () => unwrap(dashboardMetricas({ query: { competencia: competencia || undefined } })),
});
const regimesQuery = (competencia: string) => queryOptions({
  queryKey: keys.dashboard.regimes(competencia),
  queryFn: () => unwrap(dashboardRegimes({ query: { competencia: competencia || undefined } })),
});
const timelineQuery = (de: string, ate: string) => queryOptions({
  queryKey: keys.dashboard.timeline(de, ate),
  queryFn: () => unwrap(dashboardTimeline({ query: { de: de || undefined, ate: ate || undefined } })),
});
const gargalosQuery = (competencia: string) => queryOptions({
  queryKey: keys.dashboard.gargalos(competencia),
  queryFn: () => unwrap(dashboardGargalos({ query: { competencia: competencia || undefined } })),
});

/** The office's open processos and pending obrigações as of today (GET /api/v1/resumo). */
export function useResumo() {
  return useQuery(resumoQuery());
}

/** `competencia` MM/AAAA, or '' for every competência; undefined waits (for GET /api/v1/regras). */
export function useDashboardMetricas(competencia: string | undefined) {
  return useQuery({ ...metricasQuery(competencia ?? ''), enabled: competencia !== undefined, placeholderData: keepPreviousData });
}

export function useDashboardRegimes(competencia: string | undefined) {
  return useQuery({ ...regimesQuery(competencia ?? ''), enabled: competencia !== undefined, placeholderData: keepPreviousData });
}

/** Per competência in [de, ate] (MM/AAAA). */
export function useDashboardTimeline(de: string | undefined, ate: string | undefined) {
  return useQuery({
    ...timelineQuery(de ?? '', ate ?? ''), enabled: de !== undefined && ate !== undefined, placeholderData: keepPreviousData,
  });
}

/** The passos where the competência's open processes stand still. */
export function useGargalos(competencia: string | undefined) {
  return useQuery({ ...gargalosQuery(competencia ?? ''), enabled: competencia !== undefined, placeholderData: keepPreviousData });
}

/** MM/AAAA → AAAA-MM, for the timeline range. */
export const isoMonth = (comp: string) => `${comp.slice(3)}-${comp.slice(0, 2)}`;

/** The timeline's first month (AAAA-MM): it covers the 12 competências up to `fim` (MM/AAAA). */
export function timelineDe(fim: string): string {
  const [mm, yyyy] = fim.split('/').map(Number);
  const total = yyyy * 12 + (mm - 1) - 11;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** The first page of "O que mudou", unfiltered: the key DashboardPage's list asks for first. */
export const ALTERACOES_PRIMEIRA = { page: 1, page_size: 10, tipo: undefined, empresa: undefined };

/**
 * Asks for the dashboard's data as the app starts on `/`, beside GET /auth/me and the page's code rather than after
 * them: the page then mounts with its figures (one interruptible render) instead of rendering again, synchronously,
 * as each answer comes.
 */
export async function prefetchDashboard(client: QueryClient) {
  void client.prefetchQuery(resumoQuery());
  void client.prefetchQuery({
    queryKey: keys.alteracoes.list(ALTERACOES_PRIMEIRA),
    queryFn: () => unwrap(listAlteracoes({ query: clean({ ...ALTERACOES_PRIMEIRA }) })),
  });
  const atual = (await client.fetchQuery({ queryKey: keys.regras, queryFn: () => unwrap(regras()), staleTime: Infinity }))
    .competencia_atual;
  await Promise.all([
    client.prefetchQuery(metricasQuery(atual)), client.prefetchQuery(regimesQuery(atual)),
    client.prefetchQuery(gargalosQuery(atual)), client.prefetchQuery(timelineQuery(timelineDe(atual), isoMonth(atual))),
  ]);
}
