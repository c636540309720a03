import { useQuery } from '@tanstack/react-query';
import { unwrap } from '../../api/http';
import { minhaFila } from '../../client/sdk.gen';
import type { UsuarioOut } from '../../client/types.gen';

export const filaKey = ['fila', 'me'] as const;

/** The signed-in user's queue: their overdue obrigações, theirs due soon, their open processos (GET /fila). */
export function useMinhaFila() {
  return useQuery({
    queryKey: filaKey,
    queryFn: () => unwrap(minhaFila({ query: { responsavel: 'me', limite: 100 } })),
    retry: false,
  });
}

/** A USER tied to an Acessórias person opens on "Minha fila"; everyone else on the dashboard. */
export function abreNaMinhaFila(me: UsuarioOut | undefined): boolean {
  return me?.role === 'USER' && Boolean(me.acessorias_usuario);
}

/** `responsavel` of the lists and the resumo: "me" while "Minhas" is on, nothing for the office. */
export type Escopo = 'minhas' | 'escritorio';
export const responsavelDo = (escopo: string | undefined): 'me' | undefined => (escopo === 'minhas' ? 'me' : undefined);
