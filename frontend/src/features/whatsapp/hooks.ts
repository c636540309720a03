import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { criarCodigo, listMensagens, meuVinculo, removerVinculo, updateVinculo } from '../../client/sdk.gen';

/** While a code waits to be sent from the phone, poll so the page shows the link as soon as it happens. */
export function useVinculo() {
  return useQuery({
    queryKey: keys.whatsapp.vinculo(),
    queryFn: () => unwrap(meuVinculo()),
    refetchInterval: (query) => (query.state.data?.codigo_pendente ? 3_000 : false),
    retry: (count, error) => (error as { error?: string }).error !== 'whatsapp_disabled' && count < 2,
  });
}

function useInvalidating<T, A>(fn: (arg: A) => Promise<T>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => queryClient.invalidateQueries({ queryKey: keys.whatsapp.all }) });
}

export function useNovoCodigo() {
  return useInvalidating(() => unwrap(criarCodigo()));
}

export function useDesvincular() {
  return useInvalidating(() => unwrap(removerVinculo()));
}

export function useAlertas() {
  return useInvalidating((alertas_ativos: boolean) => unwrap(updateVinculo({ body: { alertas_ativos } })));
}

export function useAvisosImediatos() {
  return useInvalidating((avisos_imediatos: boolean) => unwrap(updateVinculo({ body: { avisos_imediatos } })));
}

export function useMensagens(page: number, pageSize: number) {
  return useQuery({
    queryKey: keys.whatsapp.mensagens(page, pageSize),
    queryFn: () => unwrap(listMensagens({ query: { page, page_size: pageSize } })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
}
