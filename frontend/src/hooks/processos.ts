import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet } from '../api/http';
import type { Desdobramento, Page, Passo, Processo } from '../api/types';

export interface ProcessoFiltros {
  competencia?: string;
  status?: string;
  empresa?: string;
  regime?: string;
  q?: string;
  page: number;
  page_size: number;
}

export function useProcessos(filtros: ProcessoFiltros) {
  return useQuery({
    queryKey: ['processos', filtros],
    queryFn: () => apiGet<Page<Processo>>('/api/v1/processos', { ...filtros }),
    placeholderData: keepPreviousData,
  });
}

export function useProcesso(id: string | number) {
  return useQuery({
    queryKey: ['processo', String(id)],
    queryFn: () => apiGet<Processo>(`/api/v1/processos/${id}`),
  });
}

export function usePassos(id: string | number) {
  return useQuery({
    queryKey: ['processo', String(id), 'passos'],
    queryFn: () => apiGet<Page<Passo>>(`/api/v1/processos/${id}/passos`, { page_size: 500 }),
  });
}

export function useDesdobramentos(id: string | number) {
  return useQuery({
    queryKey: ['processo', String(id), 'desdobramentos'],
    queryFn: () => apiGet<Page<Desdobramento>>(`/api/v1/processos/${id}/desdobramentos`, { page_size: 500 }),
  });
}
