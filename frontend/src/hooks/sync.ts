import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiPost } from '../api/http';
import type { Page, Sincronizacao, SyncStatus } from '../api/types';

/** Polls every 2 s while a run is going, so the page shows it live; every 30 s otherwise. */
export function useSyncStatus() {
  return useQuery({
    queryKey: ['sync', 'status'],
    queryFn: () => apiGet<SyncStatus>('/api/v1/sync/status'),
    refetchInterval: (query) => ((query.state.data?.em_andamento.length ?? 0) > 0 ? 2_000 : 30_000),
  });
}

export function useSyncHistory(page: number, pageSize: number, origem?: string) {
  return useQuery({
    queryKey: ['sync', 'history', page, pageSize, origem],
    queryFn: () => apiGet<Page<Sincronizacao>>('/api/v1/sync/history', { page, page_size: pageSize, origem }),
    placeholderData: keepPreviousData,
  });
}

export function useManualSync() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { tipo: 'FULL' | 'INCREMENTAL'; competencia?: string }) =>
      apiPost<{ run_id: number }>('/api/v1/sync/manual', body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sync'] }),
  });
}
