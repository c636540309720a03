import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet } from '../api/http';
import type { Obrigacao, Page } from '../api/types';

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

export function useObrigacoes(filtros: ObrigacaoFiltros) {
  return useQuery({
    queryKey: ['obrigacoes', filtros],
    queryFn: () => apiGet<Page<Obrigacao>>('/api/v1/obrigacoes', { ...filtros }),
    placeholderData: keepPreviousData,
  });
}
