import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { createUsuario, listPessoas, listUsuarios, updateUsuario } from '../../client/sdk.gen';
import type { UsuarioCreate, UsuarioUpdate } from '../../client/types.gen';

export function useUsuarios(page: number, pageSize: number) {
  return useQuery({
    queryKey: keys.usuarios.list(page, pageSize),
    queryFn: () => unwrap(listUsuarios({ query: { page, page_size: pageSize } })),
    placeholderData: keepPreviousData,
  });
}

/** The office's Acessórias people, whom a user can be tied to ("mine" is that person's work). */
export function usePessoas() {
  return useQuery({
    queryKey: keys.usuarios.pessoas(),
    queryFn: () => unwrap(listPessoas({ query: { page_size: 500 } })),
    staleTime: 5 * 60_000,
  });
}

export function useCriarUsuario() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UsuarioCreate) => unwrap(createUsuario({ body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.usuarios.all }),
  });
}

export function useAlterarUsuario() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UsuarioUpdate & { id: number }) => unwrap(updateUsuario({ path: { usuario_id: id }, body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.usuarios.all }),
  });
}

/** What went wrong with a user change, in words an office admin acts on. */
export function erroDeUsuario(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    const detail = String(error.detail ?? error.message);
    if (/ADMIN/.test(detail)) {
      return 'Não é possível: este é o último ADMIN ativo. Promova outro usuário a ADMIN antes de rebaixar ou desativar este.';
    }
    return 'Já existe um usuário com este e-mail.';
  }
  if (error instanceof ApiError && error.status === 422) {
    return `Confira os dados: ${error.message.replace(/^Dados inválidos: /, '')}`;
  }
  return error instanceof Error ? error.message : String(error);
}
