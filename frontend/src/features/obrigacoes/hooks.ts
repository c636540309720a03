import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { exportar, type Exportar } from '../../api/download';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { listObrigacoes } from '../../client/sdk.gen';
import type { ListObrigacoesData } from '../../client/types.gen';

type Situacao = NonNullable<NonNullable<ListObrigacoesData['query']>['situacao']>;

export interface ObrigacaoFiltros {
  /** A value of GET /api/v1/regras `obrigacao_situacoes` ('' for all). */
  situacao?: Situacao | '';
  tipo?: string;
  empresa?: string;
  competencia?: string;
  de?: string;
  ate?: string;
  responsavel?: 'me';
  ordering?: string;
  page: number;
  page_size: number;
}

/** Where the page opens: the due dates nearest today first, on either side (not the oldest deliveries). */
export const ORDEM_PADRAO = 'proximidade';

/** The filters as the API reads them: the page and its export send the same. */
const obrigacoesQuery = (filtros: ObrigacaoFiltros) => clean({ ...filtros, ordering: filtros.ordering || ORDEM_PADRAO });

export function useObrigacoes(filtros: ObrigacaoFiltros) {
  return useQuery({
    queryKey: keys.obrigacoes.list(filtros),
    queryFn: () => unwrap(listObrigacoes({ query: obrigacoesQuery(filtros) })),
    placeholderData: keepPreviousData,
  });
}

/** Every obligation of the filters, as a file. */
export function exportarObrigacoes(filtros: ObrigacaoFiltros): Exportar {
  return exportar('obrigacoes', listObrigacoes, obrigacoesQuery(filtros));
}
