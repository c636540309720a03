import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { exportar, type Exportar } from '../../api/download';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import {
  desdobramentosDoProcesso, getProcesso,
  listProcessos, passosDoProcesso,
} from '../../client/sdk.gen';

export interface ProcessoFiltros {
  competencia?: string;
  status?: string;
  /** '' all, 'true' open, 'false' closed (the backend's rule, GET /api/v1/regras). */
  aberto?: '' | 'true' | 'false';
  empresa?: string;
  regime?: string;
  q?: string;
  responsavel?: 'me';
  ordering?: string;
  page: number;
  page_size: number;
}

/** The filters as the API reads them: the page and its export send the same. */
const processosQuery = (filtros: ProcessoFiltros) => clean({
  ...filtros, aberto: filtros.aberto ? filtros.aberto === 'true' : undefined,
});

export function useProcessos(filtros: ProcessoFiltros) {
  return useQuery({
    queryKey: keys.processos.list(filtros),
    queryFn: () => unwrap(listProcessos({ query: processosQuery(filtros) })),
    placeholderData: keepPreviousData,
  });
}

/** Every process of the filters, as a file. */
export function exportarProcessos(filtros: ProcessoFiltros): Exportar {
  return exportar('processos', listProcessos, processosQuery(filtros));
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
