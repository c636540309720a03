import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { clean, unwrap } from '../api/http';
import type { Aba, AbaRow, Contrato, Page } from '../api/types';
import {
  detalheApiContratosIdGet, listArquivosApiContratosArquivosGet, listContratosApiContratosGet,
  listEmpenhosApiContratosEmpenhosGet, listHistoricoApiContratosHistoricoGet, listItensApiContratosItensGet,
  listUasgsApiContratosUasgsGet, sincronizarAbaApiContratosIdSincronizarAbaPost, syncContratosApiContratosSyncPost,
} from '../client/sdk.gen';

export interface ContratoFiltros {
  uasg?: string;
  q?: string;
  vigencia?: '' | 'ativos' | 'vencidos' | 'proximos_vencer';
  tipo?: string;
  page: number;
  page_size: number;
}

export function useContratos(filtros: ContratoFiltros) {
  return useQuery({
    queryKey: ['contratos', filtros],
    queryFn: () => unwrap(listContratosApiContratosGet({
      query: clean({ ...filtros, vigencia: filtros.vigencia || undefined }) as never,
    })),
    placeholderData: keepPreviousData,
  });
}

export function useContrato(id: string | number) {
  return useQuery({
    queryKey: ['contrato', String(id)],
    queryFn: () => unwrap(detalheApiContratosIdGet({ path: { id: Number(id) } })),
  });
}

export const abaKey = (id: string | number, aba: Aba) => ['contrato', String(id), 'aba', aba] as const;

export function useUasgs() {
  return useQuery({ queryKey: ['uasgs'], queryFn: () => unwrap(listUasgsApiContratosUasgsGet()) });
}

export const LISTAR_ABA = {
  historico: listHistoricoApiContratosHistoricoGet,
  empenhos: listEmpenhosApiContratosEmpenhosGet,
  itens: listItensApiContratosItensGet,
  arquivos: listArquivosApiContratosArquivosGet,
} as const;

/** A tab's stored rows, from the database only (no upstream call). */
export function useContratoAba(id: string | number, aba: Aba, enabled: boolean) {
  return useQuery({
    queryKey: abaKey(id, aba),
    // The four list functions differ only in their row type; the table reads rows generically.
    queryFn: () => unwrap<Page<AbaRow>>(LISTAR_ABA[aba]({ query: { contrato: Number(id), page_size: 500 } }) as never),
    enabled,
  });
}

/** Fetches a tab from Comprasnet now; the answer's rows replace the cached ones. */
export function useSincronizarAba(id: string | number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (aba: Aba) => unwrap(sincronizarAbaApiContratosIdSincronizarAbaPost({
      path: { id: Number(id), aba }, query: { page_size: 500 },
    })),
    onSuccess: (data, aba) => {
      markSynced(id, aba);
      queryClient.setQueryData(abaKey(id, aba), data);
      queryClient.setQueryData(['contrato', String(id)], (old: Contrato | undefined) =>
        old ? { ...old, ...freshness(aba, data.atualizado_em) } : old);
      void queryClient.invalidateQueries({ queryKey: ['contrato', String(id)], exact: true });
    },
  });
}

export const ABA_FIELDS: Record<Aba, { em: keyof Contrato; ok: keyof Contrato }> = {
  historico: { em: 'historico_atualizado_em', ok: 'historico_atualizado' },
  empenhos: { em: 'empenhos_atualizados_em', ok: 'empenhos_atualizados' },
  itens: { em: 'itens_atualizados_em', ok: 'itens_atualizados' },
  arquivos: { em: 'arquivos_atualizados_em', ok: 'arquivos_atualizados' },
};

function freshness(aba: Aba, em: string | null): Partial<Contrato> {
  return { [ABA_FIELDS[aba].em]: em, [ABA_FIELDS[aba].ok]: true } as Partial<Contrato>;
}

/** Base sync of a UASG (the contract list only), run in the background by the API (202). */
export function useSyncUasg() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (uasg: string) => unwrap(syncContratosApiContratosSyncPost({ query: { uasg } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sync'] }),
  });
}

// Tabs fetched from Comprasnet in this browser session: coming back to one reads the database only.
const SESSION_KEY = 'espelho.abas-sincronizadas';

function sessionSynced(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

export function syncedThisSession(id: string | number, aba: Aba): boolean {
  return sessionSynced().has(`${id}:${aba}`);
}

function markSynced(id: string | number, aba: Aba): void {
  const set = sessionSynced();
  set.add(`${id}:${aba}`);
  sessionStorage.setItem(SESSION_KEY, JSON.stringify([...set]));
}
