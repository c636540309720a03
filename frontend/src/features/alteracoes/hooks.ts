import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import type { TipoAlteracao } from '../../api/types';
import { historicoDoProcesso, listAlteracoes } from '../../client/sdk.gen';

export interface AlteracaoFiltros {
  desde?: string;
  empresa?: string;
  tipo?: TipoAlteracao;
  page: number;
  page_size: number;
}

/** The change history of the whole office, newest first (the dashboard's "O que mudou"). */
export function useAlteracoes(filtros: AlteracaoFiltros) {
  return useQuery({
    queryKey: keys.alteracoes.list(filtros),
    queryFn: () => unwrap(listAlteracoes({ query: clean({ ...filtros }) })),
    placeholderData: keepPreviousData,
  });
}

/** One process's changes, newest first. */
export function useHistorico(id: string | number) {
  return useQuery({
    queryKey: keys.processo.historico(id),
    queryFn: () => unwrap(historicoDoProcesso({ path: { processo_id: Number(id) }, query: { page_size: 100 } })),
  });
}
