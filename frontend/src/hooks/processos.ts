import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { clean, unwrap } from '../api/http';
import {
  desdobramentosDoProcessoApiV1ProcessosProcessoIdDesdobramentosGet, getProcessoApiV1ProcessosProcessoIdGet,
  listProcessosApiV1ProcessosGet, passosDoProcessoApiV1ProcessosProcessoIdPassosGet,
} from '../client/sdk.gen';

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
    queryFn: () => unwrap(listProcessosApiV1ProcessosGet({ query: clean({ ...filtros }) })),
    placeholderData: keepPreviousData,
  });
}

export function useProcesso(id: string | number) {
  return useQuery({
    queryKey: ['processo', String(id)],
    queryFn: () => unwrap(getProcessoApiV1ProcessosProcessoIdGet({ path: { processo_id: Number(id) } })),
  });
}

export function usePassos(id: string | number) {
  return useQuery({
    queryKey: ['processo', String(id), 'passos'],
    queryFn: () => unwrap(passosDoProcessoApiV1ProcessosProcessoIdPassosGet({
      path: { processo_id: Number(id) }, query: { page_size: 500 },
    })),
  });
}

export function useDesdobramentos(id: string | number) {
  return useQuery({
    queryKey: ['processo', String(id), 'desdobramentos'],
    queryFn: () => unwrap(desdobramentosDoProcessoApiV1ProcessosProcessoIdDesdobramentosGet({
      path: { processo_id: Number(id) }, query: { page_size: 500 },
    })),
  });
}
