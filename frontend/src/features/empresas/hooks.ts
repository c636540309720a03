import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { exportar, type Exportar } from '../../api/download';
import { clean, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { getEmpresa, listEmpresas, processosDeEmpresa } from '../../client/sdk.gen';

export interface EmpresaFiltros {
  regime?: string;
  ativa?: '' | 'true' | 'false';
  q?: string;
  ordering?: string;
  page: number;
  page_size: number;
}

/** The filters as the API reads them: the page and its export send the same. */
const empresasQuery = ({ ativa, ...filtros }: EmpresaFiltros) =>
  clean({ ...filtros, ativa: ativa ? ativa === 'true' : undefined });

export function useEmpresas(filtros: EmpresaFiltros) {
  return useQuery({
    queryKey: keys.empresas.list(filtros),
    queryFn: () => unwrap(listEmpresas({ query: empresasQuery(filtros) })),
    placeholderData: keepPreviousData,
  });
}

/** Every empresa of the filters, as a file. */
export function exportarEmpresas(filtros: EmpresaFiltros): Exportar {
  return exportar('empresas', listEmpresas, empresasQuery(filtros));
}

/** The first empresas matching a name or CNPJ (an empresa picker's options). */
export function useEmpresaBusca(q: string) {
  return useQuery({
    queryKey: keys.empresas.search(q),
    queryFn: () => unwrap(listEmpresas({ query: { q: q || undefined, page_size: 20 } })),
    placeholderData: keepPreviousData,
  });
}

/** One empresa by the mirror's id; idle while `id` is not one. */
export function useEmpresa(id: string) {
  return useQuery({
    queryKey: keys.empresa.one(Number(id)),
    queryFn: () => unwrap(getEmpresa({ path: { empresa_id: Number(id) } })),
    enabled: /^\d+$/.test(id),
  });
}

export function useEmpresaProcessos(id: number | null, page = 1, pageSize = 10) {
  return useQuery({
    queryKey: keys.empresa.processos(id, page, pageSize),
    queryFn: () => unwrap(processosDeEmpresa({
      path: { empresa_id: id! }, query: { page, page_size: pageSize },
    })),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}
