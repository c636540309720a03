import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { clean, unwrap } from '../../api/http';
import { listEmpresas, processosDeEmpresa } from '../../client/sdk.gen';

export interface EmpresaFiltros {
  regime?: string;
  ativa?: '' | 'true' | 'false';
  q?: string;
  page: number;
  page_size: number;
}

export function useEmpresas({ ativa, ...filtros }: EmpresaFiltros) {
  return useQuery({
    queryKey: ['empresas', ativa, filtros],
    queryFn: () => unwrap(listEmpresas({
      query: clean({ ...filtros, ativa: ativa ? ativa === 'true' : undefined }),
    })),
    placeholderData: keepPreviousData,
  });
}

export function useEmpresaProcessos(id: number | null, page = 1, pageSize = 10) {
  return useQuery({
    queryKey: ['empresa', id, 'processos', page, pageSize],
    queryFn: () => unwrap(processosDeEmpresa({
      path: { empresa_id: id! }, query: { page, page_size: pageSize },
    })),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}
