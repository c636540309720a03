import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { exportar, type Exportar } from '../../api/download';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import type { Aba, AbaRegra, AbaRow, Contrato, Page } from '../../api/types';
import {
  detalhe, listArquivos, listContratos,
  listEmpenhos, listHistorico, listItens,
  listUasgs, sincronizarAba, syncContratos,
} from '../../client/sdk.gen';

export interface ContratoFiltros {
  uasg?: string;
  q?: string;
  vigencia?: '' | 'ativos' | 'vencidos' | 'proximos_vencer';
  /** A column of the API's `ordering` ('' for the tab's own order: by end of vigência). */
  ordering?: string;
  tipo?: string;
  page: number;
  page_size: number;
}

/** The filters as the API reads them: the page and its export send the same. */
const contratosQuery = (filtros: ContratoFiltros) => clean({ ...filtros, vigencia: filtros.vigencia || undefined });

export function useContratos(filtros: ContratoFiltros) {
  return useQuery({
    queryKey: keys.contratos.list(filtros),
    queryFn: () => unwrap(listContratos({ query: contratosQuery(filtros) as never })),
    placeholderData: keepPreviousData,
  });
}

/** Every contract of the filters, as a file. */
export function exportarContratos(filtros: ContratoFiltros): Exportar {
  return exportar('contratos', listContratos, contratosQuery(filtros));
}

export function useContrato(id: string | number) {
  return useQuery({
    queryKey: keys.contrato.one(id),
    queryFn: () => unwrap(detalhe({ path: { id: Number(id) } })),
  });
}

export function useUasgs() {
  return useQuery({ queryKey: keys.uasgs, queryFn: () => unwrap(listUasgs()) });
}

const LISTAR_ABA = {
  historico: listHistorico,
  empenhos: listEmpenhos,
  itens: listItens,
  arquivos: listArquivos,
} as const;

/** A tab's stored rows, from the database only (no upstream call). */
export function useContratoAba(id: string | number, aba: Aba, enabled: boolean) {
  return useQuery({
    queryKey: keys.contrato.aba(id, aba),
    // The four list functions differ only in their row type; the table reads rows generically.
    queryFn: () => unwrap<Page<AbaRow>>(LISTAR_ABA[aba]({ query: { contrato: Number(id), page_size: 500 } }) as never),
    enabled,
  });
}

/** Every stored row of one contract's tab, as a file. */
export function exportarAba(id: string | number, aba: Aba): Exportar {
  return exportar(`contrato-${id}_${aba}`, LISTAR_ABA[aba], { contrato: Number(id) });
}

/** When the contract's `regra` tab was last fetched (null: never). */
export function atualizadoEm(contrato: Contrato, regra: AbaRegra): string | null {
  return (contrato[regra.atualizado_em as keyof Contrato] as string | null | undefined) ?? null;
}

/** Fetches a tab from Comprasnet now; the answer's rows replace the cached ones. */
export function useSincronizarAba(id: string | number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (regra: AbaRegra) => unwrap(sincronizarAba({
      path: { id: Number(id), aba: regra.aba }, query: { page_size: 500 },
    })),
    onSuccess: (data, regra) => {
      markSynced(id, regra.aba);
      queryClient.setQueryData(keys.contrato.aba(id, regra.aba), data);
      queryClient.setQueryData(keys.contrato.one(id), (old: Contrato | undefined) =>
        old ? { ...old, [regra.atualizado_em]: data.atualizado_em } : old);
      void queryClient.invalidateQueries({ queryKey: keys.contrato.one(id), exact: true });
    },
  });
}

/** Base sync of a UASG (the contract list only), run in the background by the API (202). */
export function useSyncUasg() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (uasg: string) => unwrap(syncContratos({ query: { uasg } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.sync.all }),
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
