import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/http';
import { syncHistoryApiV1SyncHistoryGet, syncManualApiV1SyncManualPost, syncStatusApiV1SyncStatusGet } from '../client/sdk.gen';

/** Polls every 2 s while a run is going, so the page shows it live; every 30 s otherwise. */
export function useSyncStatus() {
  return useQuery({
    queryKey: ['sync', 'status'],
    queryFn: () => unwrap(syncStatusApiV1SyncStatusGet()),
    refetchInterval: (query) => ((query.state.data?.em_andamento.length ?? 0) > 0 ? 2_000 : 30_000),
  });
}

/** Reloaded by useSyncRefresh when a running sync ends. */
export function useSyncHistory(page: number, pageSize: number, origem?: 'ACESSORIAS' | 'COMPRASNET') {
  return useQuery({
    queryKey: ['sync', 'history', page, pageSize, origem],
    queryFn: () => unwrap(syncHistoryApiV1SyncHistoryGet({ query: { page, page_size: pageSize, origem } })),
    placeholderData: keepPreviousData,
  });
}

export function useManualSync() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { tipo: 'FULL' | 'INCREMENTAL'; competencia?: string }) =>
      unwrap(syncManualApiV1SyncManualPost({ body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sync'] }),
  });
}
