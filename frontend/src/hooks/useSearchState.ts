import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';

/** Filters and page kept in the URL, so a filtered list can be linked to and survives going back. */
export function useSearchState<K extends string>(defaults: Record<K, string>) {
  const [params, setParams] = useSearchParams();
  const values = useMemo(() => {
    const out = { ...defaults };
    for (const key of Object.keys(defaults) as K[]) {
      const v = params.get(key);
      if (v !== null) out[key] = v;
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params]);
  const set = useCallback((changes: Partial<Record<K, string>>, resetPage = true) => {
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [k, v] of Object.entries(changes) as Array<[string, string | undefined]>) {
        if (v === undefined || v === '' || v === (defaults as Record<string, string>)[k]) next.delete(k);
        else next.set(k, v);
      }
      if (resetPage && !('page' in changes)) next.delete('page');
      return next;
    }, { replace: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [setParams]);
  return [values, set] as const;
}
