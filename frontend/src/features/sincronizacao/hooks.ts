import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { exportar, type Exportar } from '../../api/download';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { syncHistory, syncManual, syncStatus } from '../../client/sdk.gen';
import type { PedidoSync } from '../../api/types';

/** Polls every 2 s while a run is going, so the page shows it live; every 30 s otherwise. */
export function useSyncStatus() {
  return useQuery({
    queryKey: keys.sync.status(),
    queryFn: () => unwrap(syncStatus()),
    refetchInterval: (query) => ((query.state.data?.em_andamento.length ?? 0) > 0 ? 2_000 : 30_000),
  });
}

/** Reloaded by useSyncRefresh when a running sync ends. */
export function useSyncHistory(page: number, pageSize: number, origem?: 'ACESSORIAS' | 'COMPRASNET') {
  return useQuery({
    queryKey: keys.sync.history(page, pageSize, origem),
    queryFn: () => unwrap(syncHistory({ query: { page, page_size: pageSize, origem } })),
    placeholderData: keepPreviousData,
  });
}

/** The whole sync log, as a file. */
export function exportarHistorico(): Exportar {
  return exportar('sincronizacoes', syncHistory, {});
}

export function useManualSync() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PedidoSync) => unwrap(syncManual({ body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.sync.all }),
  });
}
