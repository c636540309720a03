import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { changedBySync, keys } from '../../api/keys';
import { useSyncStatus } from './hooks';

/**
 * When a sync ends (one seen running, or a finished one not seen before: short runs can start and end
 * between two polls), reload the sync log and the data that sync may have changed. The probe between
 * syncs records no run: an upstream whose `atualizado_ate` moved had its changes read, so its data reloads too.
 */
export function useSyncRefresh(): void {
  const status = useSyncStatus();
  const queryClient = useQueryClient();
  const known = useRef<Map<number, string> | null>(null);
  const changedAt = useRef<Map<string, string | null> | null>(null);

  useEffect(() => {
    if (!status.data) return;
    const runs = [...status.data.ultimas, ...status.data.em_andamento];
    const previous = known.current;
    const previousChange = changedAt.current;
    const frescor = status.data.frescor ?? [];
    known.current = new Map(runs.map((r) => [r.id, r.status]));
    changedAt.current = new Map(frescor.map((f) => [f.origem, f.mudou_em ?? null]));
    if (previous === null || previousChange === null) return; // first load: nothing "finished" yet
    const finished = runs.filter((r) => r.status !== 'INICIADA' && previous.get(r.id) !== r.status);
    const probed = frescor.filter((f) => (f.mudou_em ?? null) !== (previousChange.get(f.origem) ?? null));
    if (finished.length === 0 && probed.length === 0) return;
    if (finished.length > 0) void queryClient.invalidateQueries({ queryKey: keys.sync.all });
    for (const origem of new Set([...finished, ...probed].map((r) => r.origem))) {
      for (const key of changedBySync[origem] ?? []) void queryClient.invalidateQueries({ queryKey: key });
    }
  }, [status.data, queryClient]);
}
