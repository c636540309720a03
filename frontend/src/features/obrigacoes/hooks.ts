import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { listObrigacoes } from '../../client/sdk.gen';

export interface ObrigacaoFiltros {
  status?: string;
  tipo?: string;
  empresa?: string;
  competencia?: string;
  de?: string;
  ate?: string;
  page: number;
  page_size: number;
}

/** By due date, the earliest first. */
export function useObrigacoes(filtros: ObrigacaoFiltros) {
  return useQuery({
    queryKey: keys.obrigacoes.list(filtros),
    queryFn: () => unwrap(listObrigacoes({ query: clean({ ordering: 'data_vencimento', ...filtros }) })),
    placeholderData: keepPreviousData,
  });
}
