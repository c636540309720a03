import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import {
  desdobramentosDoProcesso, getProcesso,
  listProcessos, passosDoProcesso,
} from '../../client/sdk.gen';

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
    queryKey: keys.processos.list(filtros),
    queryFn: () => unwrap(listProcessos({ query: clean({ ...filtros }) })),
    placeholderData: keepPreviousData,
  });
}

export function useProcesso(id: string | number) {
  return useQuery({
    queryKey: keys.processo.one(id),
    queryFn: () => unwrap(getProcesso({ path: { processo_id: Number(id) } })),
  });
}

export function usePassos(id: string | number) {
  return useQuery({
    queryKey: keys.processo.passos(id),
    queryFn: () => unwrap(passosDoProcesso({
      path: { processo_id: Number(id) }, query: { page_size: 500 },
    })),
  });
}

export function useDesdobramentos(id: string | number) {
  return useQuery({
    queryKey: keys.processo.desdobramentos(id),
    queryFn: () => unwrap(desdobramentosDoProcesso({
      path: { processo_id: Number(id) }, query: { page_size: 500 },
    })),
  });
}
