import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/http';
import {
  criarCodigoApiV1WhatsappVinculoPost, mensagensApiV1WhatsappMensagensGet, meuVinculoApiV1WhatsappVinculoGet,
  preferenciasApiV1WhatsappVinculoPatch, removerVinculoApiV1WhatsappVinculoDelete,
} from '../client/sdk.gen';

/** While a code waits to be sent from the phone, poll so the page shows the link as soon as it happens. */
export function useVinculo() {
  return useQuery({
    queryKey: ['whatsapp', 'vinculo'],
    queryFn: () => unwrap(meuVinculoApiV1WhatsappVinculoGet()),
    refetchInterval: (query) => (query.state.data?.codigo_pendente ? 3_000 : false),
    retry: (count, error) => (error as { status?: number }).status !== 503 && count < 2,
  });
}

function useInvalidating<T, A>(fn: (arg: A) => Promise<T>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => queryClient.invalidateQueries({ queryKey: ['whatsapp'] }) });
}

export function useNovoCodigo() {
  return useInvalidating(() => unwrap(criarCodigoApiV1WhatsappVinculoPost()));
}

export function useDesvincular() {
  return useInvalidating(() => unwrap(removerVinculoApiV1WhatsappVinculoDelete()));
}

export function useAlertas() {
  return useInvalidating((alertas_ativos: boolean) => unwrap(preferenciasApiV1WhatsappVinculoPatch({ body: { alertas_ativos } })));
}

export function useMensagens(page: number, pageSize: number) {
  return useQuery({
    queryKey: ['whatsapp', 'mensagens', page, pageSize],
    queryFn: () => unwrap(mensagensApiV1WhatsappMensagensGet({ query: { page, page_size: pageSize } })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
}
