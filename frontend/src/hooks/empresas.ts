import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet } from '../api/http';
import type { Empresa, Page, Processo } from '../api/types';

export interface EmpresaFiltros {
  regime?: string;
  ativa?: string;
  q?: string;
  page: number;
  page_size: number;
}

export function useEmpresas(filtros: EmpresaFiltros) {
  return useQuery({
    queryKey: ['empresas', filtros],
    queryFn: () => apiGet<Page<Empresa>>('/api/v1/empresas', { ...filtros }),
    placeholderData: keepPreviousData,
  });
}

export function useEmpresaProcessos(id: number | null, page = 1, pageSize = 10) {
  return useQuery({
    queryKey: ['empresa', id, 'processos', page, pageSize],
    queryFn: () => apiGet<Page<Processo>>(`/api/v1/empresas/${id}/processos`, { page, page_size: pageSize }),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}
