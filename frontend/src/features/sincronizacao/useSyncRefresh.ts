import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { changedBySync, keys } from '../../api/keys';
import { useSyncStatus } from './hooks';

/**
 * When a sync ends (one seen running, or a finished one not seen before: short runs can start and end
 * between two polls), reload the sync log and the data that sync may have changed.
 */
export function useSyncRefresh(): void {
  const status = useSyncStatus();
  const queryClient = useQueryClient();
  const known = useRef<Map<number, string> | null>(null);

  useEffect(() => {
    if (!status.data) return;
    const runs = [...status.data.ultimas, ...status.data.em_andamento];
    const previous = known.current;
    known.current = new Map(runs.map((r) => [r.id, r.status]));
    if (previous === null) return; // first load: nothing "finished" yet
    const finished = runs.filter((r) => r.status !== 'INICIADA' && previous.get(r.id) !== r.status);
    if (finished.length === 0) return;
    void queryClient.invalidateQueries({ queryKey: keys.sync.all });
    for (const origem of new Set(finished.map((r) => r.origem))) {
      for (const key of changedBySync[origem] ?? []) void queryClient.invalidateQueries({ queryKey: key });
    }
  }, [status.data, queryClient]);
}
